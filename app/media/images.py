"""Still images in and out, through bytes so any path (spaces, non-ASCII) works."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from app.core.errors import InputError, OutputError


def read_image(path: Path) -> np.ndarray:
    """RGB uint8 (H, W, 3) with EXIF orientation applied; InputError if unusable."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except FileNotFoundError:
        raise InputError(f"{path.name}: file not found.") from None
    except OSError as exc:
        raise InputError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if data.size == 0:
        raise InputError(f"{path.name}: the file is empty (0 bytes).")
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError(f"{path.name}: not a readable image.")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def encode_image(rgb: np.ndarray, suffix: str) -> bytes:
    """PNG or JPEG bytes of an RGB image; no metadata is written."""
    ext = suffix.lower()
    if ext not in (".png", ".jpg", ".jpeg"):
        raise OutputError(f"cannot write a still image as '{suffix}' (use .png or .jpg).")
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if ext != ".png" else []
    ok, buf = cv2.imencode(ext, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise OutputError(f"could not encode the image as {ext}.")
    return buf.tobytes()
