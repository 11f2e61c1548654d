"""Generated good and bad inputs, CLI runs and checks shared by the privacy,
bad-input, fault and fuzz tests (and bench/load.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from app.base.landmarks import LANDMARK_NAMES, NUM_LANDMARKS
from app.base.types import PoseFrame

ROOT = Path(__file__).resolve().parents[2]
PARTIAL_MARK = ".posecloak-partial-"


# --------------------------------------------------------------------------
# pictures


def gradient_frames(n: int, width: int = 64, height: int = 48, *, marker: bool = True) -> list[np.ndarray]:
    """Smooth moving gradients (cheap to encode) with a white 6x6 marker in
    the stored top-left corner."""
    ys, xs = np.mgrid[0:height, 0:width]
    frames = []
    for i in range(n):
        img = np.empty((height, width, 3), np.uint8)
        img[..., 0] = np.minimum(xs * 180 // max(1, width - 1) + 6 * i, 255)
        img[..., 1] = ys * 255 // max(1, height - 1)
        img[..., 2] = (40 + 5 * i) % 256
        if marker:
            img[:6, :6] = 255
        frames.append(img)
    return frames


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# damaged files


def write_corrupt_middle(path: Path, frames: list[np.ndarray], bad: set[int], *,
                         container_format: str | None = None, gop: int = 10) -> Path:
    """An H.264 clip whose packets numbered in `bad` keep their 4-byte NAL
    length but carry random payload: the demuxer reads them, the decoder
    rejects them."""
    rng = np.random.default_rng(7)
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format=container_format) as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"g": str(gop), "bf": "0"}
        count = 0

        def mux(packets) -> None:
            nonlocal count
            for p in packets:
                if count in bad:
                    data = bytes(p)
                    q = av.Packet(data[:4] + rng.integers(0, 256, len(data) - 4, np.uint8).tobytes())
                    q.pts, q.dts, q.time_base, q.stream = p.pts, p.dts, p.time_base, vs
                    q.is_keyframe = p.is_keyframe
                    out.mux(q)
                else:
                    out.mux(p)
                count += 1

        for i, img in enumerate(frames):
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            f.pts = i
            mux(vs.encode(f))
        mux(vs.encode(None))
    return path


def write_no_frames(path: Path) -> Path:
    """An MP4 with a video stream that holds no frame at all."""
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        out.start_encoding()
    return path


def write_audio_only(path: Path, seconds: float = 0.5) -> Path:
    from tests.helpers.clips import _write_tone
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=48000)
        stream.layout = "stereo"
        _write_tone(out, stream, seconds)
    return path


# --------------------------------------------------------------------------
# keypoint files back into poses


def poses_from_keypoints(path: Path) -> list[PoseFrame]:
    """The PoseFrames a keypoint JSON describes (left-out face points invalid)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    w, h = data["video"]["width"], data["video"]["height"]
    cols = [LANDMARK_NAMES.index(n) for n in data["landmark_names"]]
    poses = []
    for frame in data["frames"]:
        people = frame["people"]
        lm = np.zeros((len(people), NUM_LANDMARKS, 5), np.float32)
        valid = np.zeros((len(people), NUM_LANDMARKS), bool)
        for p, person in enumerate(people):
            for c, point in zip(cols, person["landmarks"]):
                lm[p, c] = [point["x_norm"], point["y_norm"], point["z"],
                            point["visibility"], point["presence"]]
                valid[p, c] = point["valid"]
        poses.append(PoseFrame(index=frame["index"], time_s=frame["time_s"], width=w, height=h,
                               landmarks=lm, ids=tuple(pp["id"] for pp in people), valid=valid))
    return poses


# --------------------------------------------------------------------------
# the CLI as a user runs it


def cli_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell would give the CLI: this process's, with
    the proxy settings it started with (app.base.netguard blocks them in here)."""
    from app.base import netguard
    proxy_vars = {*netguard.PROXY_VARS, *netguard.NO_PROXY_VARS}
    env = {k: v for k, v in os.environ.items() if k not in proxy_vars}
    env.update({k: v for k, v in netguard.original_environ().items() if k in proxy_vars})
    env.setdefault("POSECLOAK_MODEL", str(ROOT.parent / "shared" / "models" / "pose_landmarker_full.task"))
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def run_cli(*args: str | Path, timeout: float = 180, env: dict[str, str] | None = None,
            preexec_fn=None, cwd: Path | None = None,
            prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Runs `[PREFIX] python -m app ARGS` and returns it (text stdout/stderr)."""
    return subprocess.run([*prefix, sys.executable, "-m", "app", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else cli_env(), cwd=cwd or ROOT,
                          preexec_fn=preexec_fn)


def assert_clean_failure(result: subprocess.CompletedProcess, *, contains: str | None = None) -> str:
    """Non-zero exit, exactly one line on stderr in the CLI's error form, no traceback."""
    assert result.returncode != 0, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one stderr line, got: {result.stderr!r}"
    assert lines[0].startswith("posecloak: error: "), lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert "unexpected error" not in lines[0], lines[0]
    if contains is not None:
        assert contains.lower() in lines[0].lower(), lines[0]
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    """Everything in `folder` (hidden temp files included)."""
    return sorted(p.name for p in Path(folder).iterdir()) if Path(folder).exists() else []


def partials(folder: Path) -> list[str]:
    return [n for n in leftovers(folder) if PARTIAL_MARK in n]


def clip_time_base(path: Path) -> Fraction:
    with av.open(str(path)) as c:
        return Fraction(c.streams.video[0].time_base)


def video_pts(path: Path) -> list[int]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return sorted(int(p.pts) for p in c.demux(s) if p.size and p.pts is not None)
