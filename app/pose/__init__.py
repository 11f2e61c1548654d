"""Pose estimation: MediaPipe's PoseLandmarker to NumPy, tiled detection, the model file.
Imports only app.base.
"""
