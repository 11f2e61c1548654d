"""The export queue: rows, view, controller, worker, and opening finished exports."""
