"""Still images in and out, and resizing, through FFmpeg (PyAV).

Files are read as bytes, so any path (spaces, non-ASCII, '%' that FFmpeg's
image2 demuxer would take for a pattern) works, and the format is found from
the content. A picture with non-square pixels (a JPEG's JFIF density, a
PNG's pHYs) is scaled to square pixels at its display aspect, as video is
(app/media/display.py); then JPEG EXIF orientation is applied. Output carries no metadata:
no EXIF, no comment, no encoder tag.
"""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np

from app.base.errors import InputError, OutputError
from app.media.display import Geometry, sample_aspect

# EXIF orientation -> the array operation that shows the picture upright.
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}

# A JFIF APP0 segment (version 1.02, no density, no thumbnail): it tells
# strict decoders the components are YCbCr; it holds nothing about the source.
_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"


def read_image(path: Path) -> np.ndarray:
    """RGB uint8 (H, W, 3) with EXIF orientation applied; InputError if unusable."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path.name}: file not found.") from None
    except OSError as exc:
        raise InputError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if not data:
        raise InputError(f"{path.name}: the file is empty (0 bytes).")
    rgb = decode_image(data)
    if rgb is None:
        raise InputError(f"{path.name}: not a readable image.")
    turn = _ORIENT.get(exif_orientation(data))
    return np.ascontiguousarray(turn(rgb)) if turn else rgb


def decode_image(data: bytes) -> np.ndarray | None:
    """The first picture in `data` as RGB uint8, or None if FFmpeg cannot decode it."""
    import av
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                return _still_to_rgb(frame, sample_aspect(stream.sample_aspect_ratio))
    except (av.FFmpegError, ValueError, OSError):
        return None
    return None


def _still_to_rgb(frame, sar: Fraction = Fraction(1)) -> np.ndarray:
    """A decoded still as contiguous RGB uint8. Subsampled chroma (JPEG's
    4:2:0) is first enlarged bilinearly, as libjpeg does; swscale's direct
    conversion repeats chroma samples, which leaves coloured fringes. About
    ten times the cost of the direct conversion: right for a still read once,
    not for video or camera frames. Non-square pixels are scaled to square
    in the conversion to RGB (the same pass)."""
    name = frame.format.name
    if name.startswith("yuv") and name[3:].lstrip("j")[:3] in ("420", "422", "411", "440"):
        full = "yuvj444p" if name.startswith("yuvj") else "yuv444p"
        frame = frame.reformat(format=full, interpolation="BILINEAR")
    if sar != 1:
        width, height = Geometry(frame.width, frame.height, sar).scaled_size
        frame = frame.reformat(width=width, height=height, format="rgb24", interpolation="BILINEAR")
    return np.ascontiguousarray(frame.to_ndarray(format="rgb24"))


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation (1-8) of JPEG bytes; 1 when absent or unreadable."""
    if data[:2] != b"\xff\xd8":
        return 1
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no more headers
            break
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if marker == 0xE1 and data[pos + 4:pos + 10] == b"Exif\x00\x00":
            return _tiff_orientation(data[pos + 10:pos + 2 + length])
        pos += 2 + length
    return 1


def _tiff_orientation(tiff: bytes) -> int:
    try:
        endian = {b"II": "<", b"MM": ">"}[tiff[:2]]
        ifd = struct.unpack(endian + "I", tiff[4:8])[0]
        count = struct.unpack(endian + "H", tiff[ifd:ifd + 2])[0]
        for i in range(count):
            entry = ifd + 2 + 12 * i
            tag, kind = struct.unpack(endian + "HH", tiff[entry:entry + 4])
            if tag == 0x0112 and kind == 3:  # Orientation, SHORT
                value = struct.unpack(endian + "H", tiff[entry + 8:entry + 10])[0]
                return value if 1 <= value <= 8 else 1
    except (KeyError, struct.error):
        pass
    return 1


def encode_image(rgb: np.ndarray, suffix: str) -> bytes:
    """PNG or JPEG bytes of an RGB image; no metadata is written."""
    import av
    ext = suffix.lower()
    if ext not in (".png", ".jpg", ".jpeg"):
        raise OutputError(f"cannot write a still image as '{suffix}' (use .png or .jpg).")
    height, width = rgb.shape[:2]
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb, np.uint8), format="rgb24")
    if ext == ".png":
        codec = av.CodecContext.create("png", "w")
        codec.pix_fmt = "rgb24"
    else:
        codec = av.CodecContext.create("mjpeg", "w")
        # Full-range 4:4:4 at the finest quantiser: thin coloured lines keep
        # their colour (4:2:0 would smear it) at about JPEG quality 95 sizes.
        codec.pix_fmt = "yuvj444p"
        codec.color_range = av.video.reformatter.ColorRange.JPEG
        codec.qmin = codec.qmax = 1
        frame = frame.reformat(format="yuvj444p", dst_color_range=av.video.reformatter.ColorRange.JPEG)
    codec.width, codec.height = width, height
    # bitexact: no "Lavc" encoder comment in the file.
    codec.options = {"flags": "+bitexact"}
    try:
        data = b"".join(bytes(p) for p in codec.encode(frame))
        data += b"".join(bytes(p) for p in codec.encode(None))
    except av.FFmpegError as exc:
        raise OutputError(f"could not encode the image as {ext} ({exc}).") from None
    if not data:
        raise OutputError(f"could not encode the image as {ext}.")
    if ext != ".png" and data[:2] == b"\xff\xd8" and data[2:4] != b"\xff\xe0":
        data = data[:2] + _JFIF + data[2:]
    return data


def resize_rgb(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """`image` scaled to width x height: area averaging when shrinking (no
    aliasing), bilinear when enlarging. FFmpeg's swscale does the work."""
    import av
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    shrink = width * height < w * h
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image, np.uint8), format="rgb24")
    out = frame.reformat(width=width, height=height, format="rgb24",
                         interpolation="AREA" if shrink else "BILINEAR")
    return np.ascontiguousarray(out.to_ndarray())
