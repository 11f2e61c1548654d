"""PoseCloak: turn video of people into skeleton-only video."""

__version__ = "0.1.0"
