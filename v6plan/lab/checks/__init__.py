"""Grading: every check type's function (network state, paths, answers), the probes it
sends, the answer key, and `verify` (a lab's reference and known-bad solutions against its
checks). Reads a running topology through the runtime's contract only."""
