"""Merging the copies of one person that several detections found.

Tiles overlap, and the full frame, a padded copy of it and the tiles all see
the same people: each copy is in full-frame normalised coordinates, and two
copies are one person when their confident landmarks agree (an OKS-like
keypoint similarity) and their pose boxes overlap. Greedy non-maximum
suppression keeps the best copy of each person. Also used by the quality
gate (app/pose/quality.py) to ask whether a re-check found the same person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.base.confidence import box_points, confident_mask
from app.base.types import PRESENCE, VISIBILITY

# Merging: a landmark counts when visibility and presence reach this.
MERGE_MIN_CONFIDENCE = 0.5
# OKS falloff as a share of person size (COCO's per-joint kappas are 0.025-0.1;
# MediaPipe's copies of one person from different crops differ more).
OKS_KAPPA = 0.1
MIN_SHARED_POINTS = 4  # fewer shared confident landmarks: fall back to the boxes





def _confident(landmarks: np.ndarray) -> np.ndarray:
    return confident_mask(landmarks, MERGE_MIN_CONFIDENCE)


def pose_boxes(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """(people, 4) pixel boxes x0, y0, x1, y1 around each person's confident
    landmarks (all landmarks where fewer than three are confident)."""
    out = np.zeros((landmarks.shape[0], 4), np.float64)
    scale = np.array([width, height], np.float64)
    for p, person in enumerate(landmarks):
        conf = _confident(person)
        pts = box_points(person[:, :2], conf).astype(np.float64) * scale
        out[p] = (*pts.min(axis=0), *pts.max(axis=0))
    return out


def _box_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box: a person cut by a tile edge gives a
    partial box inside the whole one, which plain IoU would not call a match."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    area_a = max(1.0, (a[2] - a[0]) * (a[3] - a[1]))
    area_b = max(1.0, (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / min(area_a, area_b))


def keypoint_similarity(a: np.ndarray, b: np.ndarray, width: int, height: int) -> tuple[float, int]:
    """OKS-like similarity of two people (33, 5) over the landmarks confident
    in both, and how many those were. 1 = same points; ~0 = unrelated."""
    shared = _confident(a) & _confident(b)
    n = int(shared.sum())
    if n == 0:
        return 0.0, 0
    scale = np.array([width, height], np.float64)
    pa = a[shared, :2].astype(np.float64) * scale
    pb = b[shared, :2].astype(np.float64) * scale
    box_a = pose_boxes(a[None], width, height)[0]
    box_b = pose_boxes(b[None], width, height)[0]
    size = max(1.0, max(box_a[2] - box_a[0], box_a[3] - box_a[1],
                        box_b[2] - box_b[0], box_b[3] - box_b[1]))
    d2 = ((pa - pb) ** 2).sum(axis=1)
    return float(np.exp(-d2 / (2 * (OKS_KAPPA * size) ** 2)).mean()), n


@dataclass(frozen=True)
class DuplicateRule:
    """When two detections are one person: for some (oks, box) in `agree`,
    their keypoint similarity reaches oks while their boxes overlap at least
    box (intersection over the smaller box). Looser keypoints need more box
    overlap: a copy cut off by a tile edge, or a collapsed one (MediaPipe
    sometimes squeezes a small person's landmarks onto their legs), lies
    inside the whole one. With fewer than MIN_SHARED_POINTS confident
    landmarks in common, box overlap `box_only` decides."""

    agree: tuple[tuple[float, float], ...] = ((0.5, 0.0), (0.25, 0.8), (0.1, 0.9))
    box_only: float = 0.7


MERGE_RULE = DuplicateRule()


def same_person(a: np.ndarray, b: np.ndarray, width: int, height: int,
                rule: DuplicateRule = MERGE_RULE) -> bool:
    """Whether two detections (33, 5) in full-frame coordinates are one person."""
    oks, shared = keypoint_similarity(a, b, width, height)
    boxes = pose_boxes(np.stack([a, b]), width, height)
    overlap = _box_overlap(boxes[0], boxes[1])
    if shared < MIN_SHARED_POINTS:
        return overlap >= rule.box_only
    return any(oks >= k and overlap >= b for k, b in rule.agree)


def detection_scores(landmarks: np.ndarray) -> np.ndarray:
    """(people,) quality for NMS: mean confidence over the whole body, so a
    copy cut off by a tile edge (low presence beyond it) ranks below a whole one."""
    if landmarks.shape[0] == 0:
        return np.zeros(0)
    conf = np.minimum(landmarks[..., VISIBILITY], landmarks[..., PRESENCE])
    return conf.mean(axis=1).astype(np.float64)


def merge_duplicates(landmarks: np.ndarray, width: int, height: int,
                     scores: np.ndarray | None = None, limit: int | None = None) -> np.ndarray:
    """Greedy NMS: keeps the best-scoring detection of each person, at most
    `limit` people, in score order."""
    if landmarks.shape[0] == 0:
        return landmarks
    scores = detection_scores(landmarks) if scores is None else scores
    kept: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if all(not same_person(landmarks[i], landmarks[k], width, height) for k in kept):
            kept.append(int(i))
            if limit is not None and len(kept) >= limit:
                break
    return landmarks[kept]
