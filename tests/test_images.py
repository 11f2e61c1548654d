"""Still images in and out, and resizing (app.media.images, FFmpeg via PyAV).

OpenCV is installed in the development environment (MediaPipe needs it), so
it serves here as the independent reference decoder and encoder.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from app.base.errors import InputError, OutputError
from app.media.images import encode_image, exif_orientation, read_image, resize_rgb


def gradient(h: int = 40, w: int = 60) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (x + y) % 256], -1).astype(np.uint8)


def with_exif_orientation(jpeg: bytes, orientation: int, endian: str = "<") -> bytes:
    """JPEG bytes with an APP1 EXIF segment holding only an Orientation tag."""
    mark = b"II" if endian == "<" else b"MM"
    tiff = mark + struct.pack(endian + "HI", 42, 8) + struct.pack(endian + "H", 1)
    tiff += struct.pack(endian + "HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(endian + "I", 0)
    body = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def test_real_stills_decode_like_libjpeg(media):
    for name in ("messi5.jpg", "basketball1.png"):
        ours = read_image(media / name)
        reference = cv2.imread(str(media / name))[:, :, ::-1]
        assert ours.shape == reference.shape and ours.flags.c_contiguous
        assert np.abs(ours.astype(int) - reference).mean() < 0.5, name


def test_png_round_trip_is_exact(tmp_path):
    image = gradient(37, 53)  # odd sizes
    path = tmp_path / "still.png"
    path.write_bytes(encode_image(image, ".png"))
    assert np.array_equal(read_image(path), image)
    assert np.array_equal(cv2.imread(str(path))[:, :, ::-1], image)


def test_jpeg_is_close_standard_and_carries_no_metadata(tmp_path, media):
    image = read_image(media / "messi5.jpg")
    data = encode_image(image, ".jpg")
    assert data[:2] == b"\xff\xd8" and data[2:6] == b"\xff\xe0\x00\x10"  # JFIF first
    for tag in (b"Exif", b"Lavc", b"\xff\xfe"):  # EXIF, encoder tag, comment segment
        assert tag not in data
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
    assert np.abs(decoded.astype(int) - image).mean() < 2.0


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("endian", ["<", ">"])
def test_exif_orientation_is_applied(tmp_path, orientation, endian):
    """A phone photo used as a background shows upright, as in a viewer
    (OpenCV's libjpeg-based reader is the reference)."""
    stored = np.zeros((40, 64, 3), np.uint8)
    stored[:10, :20] = (255, 0, 0)  # a red block at the stored picture's top left
    path = tmp_path / "photo.jpg"
    path.write_bytes(with_exif_orientation(encode_image(stored, ".jpg"), orientation, endian))
    assert exif_orientation(path.read_bytes()) == orientation
    shown = read_image(path)
    reference = cv2.imread(str(path))[:, :, ::-1]
    assert shown.shape == reference.shape
    assert np.array_equal(shown[..., 0] > 128, reference[..., 0] > 128)
    if orientation == 6:  # "rotate 90 clockwise to view": the block ends up top right
        assert shown.shape == (64, 40, 3) and shown[:20, -10:, 0].min() > 128


def test_orientation_of_files_without_exif_is_upright():
    assert exif_orientation(b"\x89PNG\r\n\x1a\n") == 1
    assert exif_orientation(encode_image(gradient(), ".jpg")) == 1
    assert exif_orientation(b"\xff\xd8\xff\xe1\x00\x08Exif\x00\x00") == 1  # truncated


def test_a_name_ffmpeg_would_read_as_a_pattern_still_opens(tmp_path):
    path = tmp_path / "frame%03d ünïcode.png"
    path.write_bytes(encode_image(gradient(), ".png"))
    assert read_image(path).shape == (40, 60, 3)


@pytest.mark.parametrize("content,message", [
    (None, "file not found"), (b"", "empty"), (b"not an image at all" * 20, "not a readable image"),
])
def test_unreadable_images_raise_input_errors(tmp_path, content, message):
    path = tmp_path / "bad.jpg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_image(path)


def test_other_still_formats_are_refused():
    with pytest.raises(OutputError, match=r"use \.png or \.jpg"):
        encode_image(gradient(), ".gif")


def test_resize_keeps_flat_colour_and_matches_a_reference_scaler():
    flat = np.full((90, 160, 3), (12, 200, 99), np.uint8)
    assert np.array_equal(np.unique(resize_rgb(flat, 33, 17).reshape(-1, 3), axis=0),
                          [[12, 200, 99]])
    image = gradient(120, 160)
    for w, h in ((80, 60), (37, 23), (320, 240)):
        ours = resize_rgb(image, w, h)
        assert ours.shape == (h, w, 3) and ours.flags.c_contiguous
        ref = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if w < 160 else
                         cv2.INTER_LINEAR)
        assert np.abs(ours.astype(int) - ref).mean() < 3.0, (w, h)
    assert resize_rgb(image, 160, 120) is image


def test_resize_handles_one_pixel_sizes():
    assert resize_rgb(gradient(), 1, 1).shape == (1, 1, 3)
    assert resize_rgb(gradient(), 1, 9).shape == (9, 1, 3)
