"""Qt-free core of PoseCloak: values, pose estimation, rendering, pipeline.

Nothing in this package may import Qt; the GUI and the CLI both sit on it.
"""
