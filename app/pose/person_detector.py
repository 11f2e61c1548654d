"""A person detector independent of the pose model: YOLOX-Nano (COCO) on
ONNX Runtime's CPU build, person class only.

The pose model's own detector finds a face-like blob and the landmark model
then draws a body wherever it is asked to; a second, independent opinion on
where people are is what keeps skeletons off bollards, fences and parked
bicycles (app/pose/person_check.py uses it).

The model ships inside the app (resources/models/yolox_nano.onnx, pinned by
SHA-256 below); nothing is downloaded. Decoding follows the export's README:
input [1, 3, 416, 416] float32 BGR 0-255, letterboxed at the top-left with
padding 114; output [1, 3549, 85]: per anchor point (strides 8, 16, 32) x, y,
log w, log h, objectness, 80 class scores; score = objectness x class score.

A detector belongs to the thread that made it (ONNX Runtime sessions may be
shared, but one intra-op thread each keeps it from fighting the landmarkers
for the cores).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

import numpy as np

from app.base.errors import ModelError
from app.pose.windows import ResizeFn, enlarge_nearest

DETECTOR_FILENAME = "yolox_nano.onnx"
DETECTOR_SHA256 = "d39bee73564e338080378b0ad567fbb40e818b55bbfaf971de82a0267ed16b8a"
INPUT_SIDE = 416
STRIDES = (8, 16, 32)
PAD_VALUE = 114
PERSON_CLASS = 0
NMS_IOU = 0.45  # the export's README
# Boxes scored under this are not returned at all. Measured: street clutter
# the pose model drew people on scored under 0.35; real people close up, half
# cut by the frame or seen from the waist down 0.7-0.9. Callers pick their
# own, higher, threshold for "a person is here" (person_check.py).
MIN_SCORE = 0.1
THREADS = 1  # intra-op threads: the landmarkers need the other cores


class PersonDetector(Protocol):
    """Where people are in a picture. `detect` returns float32 (n, 5):
    x0, y0, x1, y1 in pixels of the picture and the score (0..1), best first."""

    def detect(self, rgb: np.ndarray) -> np.ndarray: ...

    def close(self) -> None: ...


def detector_path() -> Path:
    """The bundled model (beside a frozen app or in the source tree's
    resources/models/), checked against its SHA-256."""
    from app.pose.model import resource_dirs
    for folder in resource_dirs():
        path = folder / DETECTOR_FILENAME
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != DETECTOR_SHA256:
                raise ModelError(f"the person detector {path} is damaged (its SHA-256 is not the "
                                 "one this version ships); reinstall PoseCloak.")
            return path
    raise ModelError(f"the person detector {DETECTOR_FILENAME} is missing from this "
                     "installation; reinstall PoseCloak.")


def letterbox(rgb: np.ndarray, resize: ResizeFn | None = None) -> tuple[np.ndarray, float]:
    """The network's input (1, 3, 416, 416) float32 BGR, and the scale from
    picture pixels to input pixels. The picture keeps its aspect, at the top-left."""
    h, w = rgb.shape[:2]
    scale = min(INPUT_SIDE / h, INPUT_SIDE / w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = rgb if (nw, nh) == (w, h) else (resize or enlarge_nearest)(rgb, nw, nh)
    canvas = np.full((INPUT_SIDE, INPUT_SIDE, 3), PAD_VALUE, np.float32)
    canvas[:nh, :nw] = small[:, :, ::-1]  # RGB -> BGR
    return np.ascontiguousarray(canvas.transpose(2, 0, 1)[None]), scale


def _grid() -> tuple[np.ndarray, np.ndarray]:
    grids, strides = [], []
    for s in STRIDES:
        n = INPUT_SIDE // s
        ys, xs = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        grids.append(np.stack([xs.ravel(), ys.ravel()], 1))
        strides.append(np.full((n * n, 1), s))
    return np.concatenate(grids).astype(np.float32), np.concatenate(strides).astype(np.float32)


_GRID, _STRIDE = _grid()


def decode(raw: np.ndarray, scale: float, width: int, height: int,
           min_score: float = MIN_SCORE) -> np.ndarray:
    """The network's raw output (1, 3549, 85) -> person boxes (n, 5) in
    picture pixels, clipped to the picture, after NMS, best first."""
    out = raw.reshape(-1, raw.shape[-1])
    score = out[:, 4] * out[:, 5 + PERSON_CLASS]
    keep = score >= min_score
    if not keep.any():
        return np.zeros((0, 5), np.float32)
    out, score = out[keep], score[keep]
    centre = (out[:, :2] + _GRID[keep]) * _STRIDE[keep]
    half = np.exp(np.minimum(out[:, 2:4], 10.0)) * _STRIDE[keep] / 2
    boxes = np.concatenate([centre - half, centre + half], 1) / scale
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, width)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, height)
    chosen = nms(boxes, score, NMS_IOU)
    return np.concatenate([boxes[chosen], score[chosen, None]], 1).astype(np.float32)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box of `a` (n, >=4) with every box of `b` (m, >=4)."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Greedy non-maximum suppression: indices kept, best first."""
    order = list(np.argsort(-scores))
    kept: list[int] = []
    while order:
        best = order.pop(0)
        kept.append(int(best))
        if order:
            overlap = iou_matrix(boxes[[best]], boxes[order])[0]
            order = [o for o, v in zip(order, overlap) if v <= iou]
    return kept


class YoloxPersonDetector:
    """YOLOX-Nano on ONNX Runtime's CPU build (see the module docstring).
    `resize` shrinks the picture to the network's input (the engine passes
    FFmpeg's scaler; nearest-neighbour without one)."""

    def __init__(self, model_path: Path | None = None, *, resize: ResizeFn | None = None,
                 threads: int = THREADS) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - broken install
            raise ModelError(f"ONNX Runtime is not installed correctly ({exc}).") from None
        path = model_path or detector_path()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # no warnings on stderr
        try:
            self._session = ort.InferenceSession(str(path), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - ONNX Runtime raises its own exception types
            raise ModelError(f"the person detector {Path(path).name} could not be loaded; "
                             "reinstall PoseCloak.") from None
        self._input = self._session.get_inputs()[0].name
        self.resize = resize
        self.calls = 0  # pictures run (benchmarks print it)

    def detect(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        blob, scale = letterbox(rgb, self.resize)
        raw = self._session.run(None, {self._input: blob})[0]
        self.calls += 1
        return decode(raw, scale, w, h)

    def close(self) -> None:
        self._session = None
