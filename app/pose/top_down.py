"""Top-down pose for people the pose model missed: the landmarker, in IMAGE
mode, on a square window around a person box (app/pose/person_detector.py).

MediaPipe's own detector finds people by their face and upright build; it
misses people seen from behind, from the waist down, far away, and lying on
the floor. A box from the person detector says where to look. A box wider
than tall (a body on the floor) is also turned upright, a quarter turn each
way, since the landmark model was trained on upright people; the better of
the three answers is kept and mapped back exactly.

The window is detected in as app/pose/windows.py does (cut, enlarged when
small, mapped back to frame coordinates). Belongs to the thread that made it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.base.settings import DetectionSettings
from app.base.types import X, Y
from app.pose.devices import NOWHERE, RanOn
from app.pose.merge import detection_scores
from app.pose.person_detector import iou_matrix
from app.pose.quality import frame_presence
from app.pose.windows import TILE_MIN_SIDE, ResizeFn, Tile, cut, enlarge_nearest, to_frame

if TYPE_CHECKING:
    from app.pose.estimator import PoseEstimator

# A box alone is the evidence here (no pose agreed with it), so it must be
# surer than a box that only confirms a pose (person_check.PERSON_SCORE).
CROP_SCORE = 0.45
# The square window's side over the box's larger side: MediaPipe's detector
# wants room around a body. Measured on boxes of people on the floor in two
# gmdcsa24 fall clips (52 boxes): found in 24 at 1.3, 43 at 1.7 (with the
# confidences below: 49 at 1.3, 52 at 1.7).
WINDOW_SCALE = 1.7
# MediaPipe's confidences in a crop: the box already vouches for a person,
# and a body on the floor or seen from behind scores low in a model made for
# upright people facing the camera.
CROP_CONFIDENCE = 0.3
# A box overlapping a reported person's box this much (IoU), or lying this
# much inside it, is that person.
TAKEN_IOU = 0.3
TAKEN_INSIDE = 0.6
# Boxes under this many pixels tall are too small to draw a skeleton on.
MIN_BOX_SIDE = 24
# A box this much wider than tall is tried turned upright too.
WIDE = 1.1
# Without distant-people mode, only boxes at least this share of the
# picture tall (or wide, for a body on the floor) get a crop: the pose model
# is made for people within about 4 m, and a street of small walkers
# (vtest.avi) would otherwise cost a crop each, every frame. Small people
# are the distant mode's job (`min_share=0`).
NEAR_SHARE = 0.25
# A crop's pose must be present in the picture this much (mean presence of
# its in-frame landmarks, app/pose/quality.py): measured, people in boxes
# 0.96-1.0 (lying on the floor, seen from the side, half cut by the frame),
# messi5's blurred spectators 0.3-0.51.
MIN_PRESENCE = 0.8
# The most crops one frame may cost (each box turned counts once).
MAX_BOXES = 3


def square_around(box: np.ndarray) -> Tile:
    """The square window centred on a pixel box, WINDOW_SCALE times its
    larger side (it may reach beyond the frame: black there)."""
    x0, y0, x1, y1 = (float(v) for v in box[:4])
    side = max(x1 - x0, y1 - y0) * WINDOW_SCALE
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    s = max(1, int(round(side)))
    return Tile(left, top, left + s, top + s)


def unturn(landmarks: np.ndarray, k: int) -> np.ndarray:
    """Landmarks found on np.rot90(window, k) (k = 1 or -1), normalised to
    that turned window -> normalised to the window itself."""
    out = landmarks.copy()
    x, y = landmarks[..., X], landmarks[..., Y]
    if k == 1:  # rot90(C)[r, c] = C[c, n-1-r]
        out[..., X], out[..., Y] = 1.0 - y, x
    elif k == -1:  # rot90(C, -1)[r, c] = C[n-1-c, r]
        out[..., X], out[..., Y] = y, 1.0 - x
    return out


def inside_share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of each box of `a` lying inside each box of `b` (n, m)."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = np.maximum((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), 1e-9)
    return inter / area[:, None]


class TopDown:
    """Finds the person in a box. Its IMAGE-mode landmarker is made on first use."""

    def __init__(self, model_path: Path, options: DetectionSettings, *,
                 resize: ResizeFn | None = None, min_share: float = NEAR_SHARE,
                 max_boxes: int = MAX_BOXES) -> None:
        self.model_path, self.resize = model_path, resize
        self.min_share, self.max_boxes = min_share, max_boxes
        # Two people at most: the one in the box, and a neighbour the window
        # takes in, which is then told apart by its agreement with the box.
        self.options = DetectionSettings(
            max_people=2,
            min_detection_confidence=min(options.min_detection_confidence, CROP_CONFIDENCE),
            min_presence_confidence=min(options.min_presence_confidence, CROP_CONFIDENCE),
            min_tracking_confidence=options.min_tracking_confidence, device=options.device)
        self._estimator: PoseEstimator | None = None
        self.crops = 0  # landmarker calls (benchmarks)
        self.found = 0  # people found
        self.found_turned = 0  # ...of them on a window turned upright

    def candidates(self, detected: np.ndarray, taken: np.ndarray, width: int, height: int,
                   previous: np.ndarray | None = None, followed_score: float = 1.0
                   ) -> list[np.ndarray]:
        """Boxes sure enough, big enough, and not a person already reported.
        A box where a person was reported in the previous frame (`previous`,
        pixel boxes) needs only `followed_score`: the pose model loses a
        person who falls, and the detector's score drops too as they do."""
        w, h = detected[:, 2] - detected[:, 0], detected[:, 3] - detected[:, 1]
        near = np.maximum(h / height, w / width) >= self.min_share
        score = detected[:, 4]
        sure = score >= CROP_SCORE
        if previous is not None and len(previous) and len(detected):
            was_there = (iou_matrix(detected, previous) >= TAKEN_IOU).any(axis=1)
            sure |= was_there & (score >= followed_score)
        sure = detected[sure & (h >= MIN_BOX_SIDE) & near]
        if len(sure) == 0:
            return []
        if len(taken):
            known = (iou_matrix(sure, taken) >= TAKEN_IOU) | (
                inside_share(sure, taken) >= TAKEN_INSIDE)
            sure = sure[~known.any(axis=1)]
        return list(sure[:self.max_boxes])

    def find(self, rgb: np.ndarray, box: np.ndarray) -> np.ndarray | None:
        """The person (33, 5) in the box, in frame coordinates, or None."""
        from app.pose.person_check import agreement
        height, width = rgb.shape[:2]
        tile = square_around(box)
        window = cut(rgb, tile)
        up = TILE_MIN_SIDE / max(1, tile.width)
        if up > 1.0:
            side = round(tile.width * up)
            window = (self.resize or enlarge_nearest)(window, side, side)
        bw, bh = box[2] - box[0], box[3] - box[1]
        turns = (0, 1, -1) if bw > WIDE * bh else (0,)
        best, best_score, best_turn = None, 0.0, 0
        for k in turns:
            turned = np.ascontiguousarray(np.rot90(window, k)) if k else window
            self.crops += 1
            for person in self._landmarker().detect(turned):
                person = to_frame(unturn(person[None], k), tile, width, height)[0]
                if frame_presence(person) < MIN_PRESENCE:
                    continue
                agree = agreement(person, box, width, height)
                score = agree * float(detection_scores(person[None])[0])
                if score > best_score:
                    best, best_score, best_turn = person, score, k
        if best is not None:
            self.found += 1
            self.found_turned += int(best_turn != 0)
        return best

    def _landmarker(self):
        if self._estimator is None:
            from app.pose.estimator import PoseEstimator
            self._estimator = PoseEstimator(self.model_path, self.options, video=False)
        return self._estimator

    @property
    def ran_on(self) -> RanOn:
        return self._estimator.ran_on if self._estimator is not None else NOWHERE

    def close(self) -> None:
        estimator, self._estimator = self._estimator, None
        if estimator is not None:
            estimator.close()
