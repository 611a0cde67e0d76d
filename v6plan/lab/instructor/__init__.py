"""The instructor's side: the secret and what it signs, per-trainee variants and the class
directory, handouts and answer keys, grading hand-ins, and topology exports (containerlab,
Kathará)."""
