"""The command line: argument parsing and terminal progress over the engine."""
