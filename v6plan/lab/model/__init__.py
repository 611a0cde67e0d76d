"""What a lab is, as its author wrote it: topology YAML with plan addressing, the lab file
(tasks, checks as declared, solutions, variants), computed values and the message
catalogues. Imports the runtime's contract (a topology becomes a TopologySpec), never the
checks, the instructor's side or the command line."""
