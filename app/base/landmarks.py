"""BlazePose 33-landmark topology as data: names, edges, body sides, face.
(Joint angles and their conventions: app/analysis/angles.py.)"""

from __future__ import annotations

from enum import Enum

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)
NUM_LANDMARKS = len(LANDMARK_NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

# Nose, eyes, ears and mouth: dropped everywhere when face points are off.
FACE_LANDMARKS: frozenset[int] = frozenset(range(0, 11))


class Side(Enum):
    LEFT = "left"
    RIGHT = "right"
    CENTER = "center"


def landmark_side(index: int) -> Side:
    name = LANDMARK_NAMES[index]
    if name.startswith("left"):
        return Side.LEFT
    if name.startswith("right"):
        return Side.RIGHT
    return Side.CENTER


def _edges(*pairs: tuple[str, str]) -> tuple[tuple[int, int], ...]:
    return tuple((INDEX[a], INDEX[b]) for a, b in pairs)


# The same connections as MediaPipe's POSE_CONNECTIONS, by name.
POSE_EDGES: tuple[tuple[int, int], ...] = _edges(
    ("nose", "right_eye_inner"), ("right_eye_inner", "right_eye"),
    ("right_eye", "right_eye_outer"), ("right_eye_outer", "right_ear"),
    ("nose", "left_eye_inner"), ("left_eye_inner", "left_eye"),
    ("left_eye", "left_eye_outer"), ("left_eye_outer", "left_ear"),
    ("mouth_right", "mouth_left"),
    ("right_shoulder", "left_shoulder"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("right_wrist", "right_pinky"), ("right_wrist", "right_index"),
    ("right_wrist", "right_thumb"), ("right_pinky", "right_index"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("left_wrist", "left_pinky"), ("left_wrist", "left_index"),
    ("left_wrist", "left_thumb"), ("left_pinky", "left_index"),
    ("right_shoulder", "right_hip"), ("left_shoulder", "left_hip"),
    ("right_hip", "left_hip"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
)


def edge_side(edge: tuple[int, int]) -> Side:
    """An edge is left or right when both ends are; otherwise centre."""
    a, b = (landmark_side(i) for i in edge)
    return a if a == b else Side.CENTER

