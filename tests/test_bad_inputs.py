"""Whatever files users throw at the app: a generated corpus.

Truly bad inputs go through the CLI as a user runs it (a subprocess with a
time limit): one line on stderr, exit 1, no traceback, nothing left in the
output folder (no temp file either), the input byte-for-byte unchanged.
Unusual but valid inputs convert, with correct frames, sizes, orientation
and timestamps.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np
import pytest

from app.base.settings import SkeletonSettings
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert
from app.media.video import probe
from tests.helpers.clips import frames_of, write_clip
from tests.helpers.corpus import (
    assert_clean_failure,
    cli_env,
    gradient_frames,
    leftovers,
    poses_from_keypoints,
    run_cli,
    sha256,
    video_pts,
    write_audio_only,
    write_corrupt_middle,
    write_no_frames,
)

CLI_TIMEOUT = 180  # seconds per run: a hang fails the test instead of blocking the suite


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory) -> Path:
    return write_clip(tmp_path_factory.mktemp("good") / "good.mp4", gradient_frames(5), audio="aac")


@pytest.fixture(scope="module")
def person_clip(tmp_path_factory, carphone) -> Path:
    return write_clip(tmp_path_factory.mktemp("person") / "person.mp4", frames_of(carphone, 20))


# --------------------------------------------------------------------------
# bad inputs through the CLI


@dataclass
class Case:
    """`make(folder, good_clip)` creates the input and returns (input, extra CLI
    args); the output goes to folder/out/ unless the args say otherwise."""

    make: Callable[[Path, Path], tuple[Path, list[str]]]
    message: str
    preexec: Callable[[], None] | None = None


def _write(name: str, data: bytes):
    def make(folder: Path, good: Path):
        path = folder / name
        path.write_bytes(data)
        return path, []
    return make


def _truncated_mp4(folder: Path, good: Path):
    data = good.read_bytes()  # moov at the end, as a phone writes it: cut it off
    path = folder / "cut short.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path, []


def _audio_only(folder: Path, good: Path):
    return write_audio_only(folder / "voice memo.m4a"), []


def _no_frames_avi(folder: Path, good: Path):
    path = folder / "empty.avi"
    with av.open(str(path), "w") as out:
        vs = out.add_stream("mpeg4", rate=30)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        out.start_encoding()
    return path, []


def _no_frames_mp4(folder: Path, good: Path):
    return write_no_frames(folder / "empty track.mp4"), []


def _missing_input(folder: Path, good: Path):
    return folder / "not here.mp4", []


def _empty_folder(folder: Path, good: Path):
    path = folder / "nothing inside"
    path.mkdir()
    return path, []


def _copy_good(folder: Path, good: Path, name: str = "input.mp4") -> Path:
    path = folder / name
    shutil.copy(good, path)
    return path


def _missing_out_dir(folder: Path, good: Path):
    return _copy_good(folder, good), ["-o", str(folder / "out" / "no such folder" / "x.mp4")]


def _output_is_input(folder: Path, good: Path):
    src = _copy_good(folder, good)
    return src, ["-o", str(src), "--overwrite"]


def _output_is_hardlink_of_input(folder: Path, good: Path):
    src = _copy_good(folder, good)
    os.link(src, folder / "out" / "same.mp4")
    return src, ["-o", str(folder / "out" / "same.mp4"), "--overwrite"]


def _broken_background(ext: str):
    def make(folder: Path, good: Path):
        bg = folder / f"background{ext}"
        bg.write_bytes(np.random.default_rng(3).integers(0, 256, 3000, np.uint8).tobytes())
        return _copy_good(folder, good), ["--background", str(bg)]
    return make


def _corrupt_model(folder: Path, good: Path):
    model = Path(cli_env()["POSECLOAK_MODEL"])
    bad = folder / "pose_landmarker_full.task"
    bad.write_bytes(model.read_bytes()[: model.stat().st_size // 3])
    return _copy_good(folder, good), ["--model", str(bad)]


def _wrong_output_type(folder: Path, good: Path):
    return _copy_good(folder, good), ["-o", str(folder / "out" / "x.avi")]


def _wrong_keypoint_type(folder: Path, good: Path):
    return _copy_good(folder, good), ["--keypoints", str(folder / "out" / "k.txt")]


def _broken_still(folder: Path, good: Path):
    path = folder / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(500))
    return path, []


def _disk_full(folder: Path, good: Path):
    return _copy_good(folder, good, "person.mp4"), ["--keypoints", "json"]


def _limit_file_size() -> None:
    # Writes past 64 KiB fail with EFBIG, like a full disk (SIGXFSZ ignored).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


CASES: dict[str, Case] = {
    "zero bytes": Case(_write("zero.mp4", b""), "empty"),
    "truncated mp4": Case(_truncated_mp4, "damaged"),
    "random bytes named mp4": Case(_write("random.mp4", np.random.default_rng(1).integers(
        0, 256, 20000, np.uint8).tobytes()), "not a video file"),
    "text named mkv": Case(_write("notes.mkv", b"shopping list\n" * 200), "not a video file"),
    "audio only": Case(_audio_only, "no video stream"),
    "zero video frames (avi)": Case(_no_frames_avi, "no video frame"),
    "zero video frames (mp4)": Case(_no_frames_mp4, "no video"),
    "missing input": Case(_missing_input, "not found"),
    "folder without media": Case(_empty_folder, "no video or image"),
    "broken still image": Case(_broken_still, "not a readable image"),
    "missing output folder": Case(_missing_out_dir, "does not exist"),
    "output equals input": Case(_output_is_input, "overwrite the input"),
    "output is a hard link of input": Case(_output_is_hardlink_of_input, "overwrite the input"),
    "broken background image": Case(_broken_background(".png"), "background"),
    "broken background video": Case(_broken_background(".mp4"), "background"),
    "corrupt model file": Case(_corrupt_model, "model"),
    "output not mp4": Case(_wrong_output_type, ".mp4"),
    "keypoints not json or csv": Case(_wrong_keypoint_type, ".json or .csv"),
    "disk full": Case(_disk_full, "disk is full", preexec=_limit_file_size),
}


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_one_clear_line_and_leaves_nothing(name, tmp_path, small_clip, person_clip):
    case = CASES[name]
    good = person_clip if name == "disk full" else small_clip
    (tmp_path / "out").mkdir()
    src, args = case.make(tmp_path, good)
    before = _snapshot(tmp_path)
    out_before = leftovers(tmp_path / "out")
    if not any(a in ("-o", "--output") for a in args):
        args = [*args, "--out-dir", str(tmp_path / "out")]
    result = run_cli("convert", src, "-q", *args, timeout=CLI_TIMEOUT, preexec_fn=case.preexec)
    assert_clean_failure(result, contains=case.message)
    assert result.returncode == 1
    # Nothing new anywhere (no output, no temp file), and every input unchanged.
    assert leftovers(tmp_path / "out") == out_before
    assert _snapshot(tmp_path) == before


def test_read_only_output_folder(tmp_path, small_clip):
    """A folder the user cannot write to. Root ignores permissions, so as
    root the CLI runs without the capabilities that let it."""
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only")
        prefix = (setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")
    src = _copy_good(tmp_path, small_clip)
    out = tmp_path / "locked"
    out.mkdir()
    os.chmod(out, 0o555)
    before = sha256(src)
    try:
        result = run_cli("convert", src, "-q", "-o", out / "x.mp4", timeout=CLI_TIMEOUT, prefix=prefix)
        assert_clean_failure(result, contains="not writable")
        assert leftovers(out) == []
        assert sha256(src) == before
    finally:
        os.chmod(out, 0o755)


def test_existing_output_is_kept_without_overwrite(tmp_path, small_clip):
    src = _copy_good(tmp_path, small_clip)
    out = tmp_path / "kept.mp4"
    out.write_bytes(b"the user's earlier work")
    result = run_cli("convert", src, "-q", "-o", out, timeout=CLI_TIMEOUT)
    assert_clean_failure(result, contains="already exists")
    assert out.read_bytes() == b"the user's earlier work"
    assert sorted(leftovers(tmp_path)) == ["input.mp4", "kept.mp4"]


def test_batch_converts_the_good_and_reports_the_bad(tmp_path, small_clip):
    """A folder of mixed files: good ones converted, each bad one one line,
    a summary, exit 1, and nothing else written."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.mp4", "b clip.mp4", "c.mkv"):
        shutil.copy(small_clip, folder / name)
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    (folder / "empty.mov").write_bytes(b"")
    (folder / "readme.txt").write_text("not media, not picked up")
    out = tmp_path / "out"
    result = run_cli("convert", folder, "--out-dir", out, "-q", timeout=CLI_TIMEOUT)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("posecloak: error: ")]
    assert len(errors) == 2 and "Traceback" not in result.stderr
    assert any("broken.mp4" in e for e in errors) and any("empty.mov" in e for e in errors)
    assert "Converted 3 of 5; 2 failed." in result.stderr
    assert leftovers(out) == ["a_skeleton.mp4", "b clip_skeleton.mp4", "c_skeleton.mp4"]


# --------------------------------------------------------------------------
# unusual but valid inputs convert correctly


def _convert(src: Path, out_dir: Path, model: Path, **kw):
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"{src.stem}_out.mp4"
    kp = out_dir / f"{src.stem}_out.json"
    result = convert(ConvertJob(src, out, SkeletonSettings(jobs=1), (kp,)), model, **kw)
    assert leftovers(out_dir) == sorted([out.name, kp.name])
    return result, out, kp


def _size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return s.width, s.height


VALID = {
    # name: (frames, write_clip kwargs, expected output size)
    "one frame": (gradient_frames(1), {}, (64, 48)),
    "odd size 177x145": (gradient_frames(3, 177, 145), {"pix_fmt": "yuv444p"}, (178, 146)),
    "16x16": (gradient_frames(3, 16, 16), {}, (16, 16)),
    "4K": (gradient_frames(2, 3840, 2160), {}, (3840, 2160)),
    "10-bit": (gradient_frames(3), {"pix_fmt": "yuv420p10le"}, (64, 48)),
    "240 fps": (gradient_frames(8), {"rate": Fraction(240), "time_base": Fraction(1, 240)}, (64, 48)),
    "mkv": (gradient_frames(4), {"container_format": "matroska", "audio": "libopus"}, (64, 48)),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_edge_case_converts(name, tmp_path, model_path):
    frames, kwargs, size = VALID[name]
    ext = ".mkv" if kwargs.get("container_format") == "matroska" else ".mp4"
    src = write_clip(tmp_path / f"clip{ext}", frames, **kwargs)
    before = sha256(src)
    result, out, kp = _convert(src, tmp_path / "out", model_path)
    assert result.frames == len(frames) == probe(out, count_frames=True).frame_count
    assert _size(out) == size and size[0] % 2 == 0 and size[1] % 2 == 0
    assert len(poses_from_keypoints(kp)) == len(frames)
    src_tb, out_tb = probe(src).time_base, probe(out).time_base
    assert [p * out_tb for p in video_pts(out)] == [p * src_tb for p in video_pts(src)]
    assert sha256(src) == before
    if name == "10-bit":
        assert "10" in probe(src).pixel_format


def test_variable_frame_rate_keeps_each_timestamp(tmp_path, model_path):
    stamps = [0, 1, 3, 4, 9, 10, 25]
    src = write_clip(tmp_path / "vfr.mp4", gradient_frames(len(stamps)), pts=stamps,
                     time_base=Fraction(1, 30))
    result, out, kp = _convert(src, tmp_path / "out", model_path)
    assert result.frames == len(stamps)
    tb = probe(out).time_base
    assert [p * tb for p in video_pts(out)] == [Fraction(s, 30) for s in stamps]
    assert [round(p.time_s, 4) for p in poses_from_keypoints(kp)] == [round(s / 30, 4) for s in stamps]


def _tkhd_matrix(path: Path) -> tuple[float, ...]:
    """The display matrix in the MP4 track header (version 0 tkhd), as floats."""
    data = path.read_bytes()
    i = data.find(b"tkhd")
    assert i > 0 and data[i + 4] == 0
    raw = struct.unpack(">9i", data[i + 44:i + 80])
    return tuple(v / (1 << 30) if k in (2, 5, 8) else v / (1 << 16) for k, v in enumerate(raw))


def _display_position(matrix, x: float, y: float, width: int, height: int) -> tuple[float, float]:
    """Where stored pixel (x, y) shows, by FFmpeg's display-matrix convention:
    x' = a*x + c*y + tx, y' = b*x + d*y + ty, then shifted so the picture
    starts at (0, 0)."""
    a, b, _, c, d, _, tx, ty, _ = matrix

    def apply(px, py):
        return a * px + c * py + tx, b * px + d * py + ty

    corners = [apply(px, py) for px in (0, width - 1) for py in (0, height - 1)]
    x0, y0 = min(p[0] for p in corners), min(p[1] for p in corners)
    dx, dy = apply(x, y)
    return dx - x0, dy - y0


def test_rotated_phone_clip_is_read_and_written_upright(tmp_path, carphone, model_path):
    """A clip stored sideways with a 90-degree display matrix (as phones write
    it) is shown, posed and exported in display orientation."""
    upright = frames_of(carphone, 12)
    # Stored turned clockwise, so the (counter-clockwise) display matrix puts it upright.
    stored = [np.ascontiguousarray(np.rot90(f, k=-1)) for f in upright]
    for f in stored:
        f[:6, :6] = (0, 255, 0)  # a green marker in the stored top-left corner
    src = write_clip(tmp_path / "phone.mp4", stored, rotation=90)
    sh, sw = stored[0].shape[:2]

    # Where the marker must show, from the file's own matrix.
    ex, ey = _display_position(_tkhd_matrix(src), 2.5, 2.5, sw, sh)
    info = probe(src)
    assert (info.width, info.height) == (sh, sw) == (192, 144)
    shown = frames_of(src, 1)[0]
    r, g, b = (shown[..., k].astype(int) for k in range(3))
    ys, xs = np.nonzero((g > 180) & (r < 90) & (b < 90))
    assert 16 <= len(xs) <= 64, len(xs)
    assert abs(xs.mean() - ex) <= 1.5 and abs(ys.mean() - ey) <= 1.5, ((xs.mean(), ys.mean()), (ex, ey))
    assert ey > shown.shape[0] / 2 and ex < shown.shape[1] / 2  # bottom-left, not top-right

    _result, out, kp = _convert(src, tmp_path / "out", model_path)
    assert _size(out) == (192, 144)
    ref = write_clip(tmp_path / "upright.mp4", upright)
    _, _, ref_kp = _convert(ref, tmp_path / "ref", model_path)
    rotated_poses, upright_poses = poses_from_keypoints(kp), poses_from_keypoints(ref_kp)
    compared = 0
    for rp, up in zip(rotated_poses, upright_poses):
        if rp.people and up.people:
            shift = np.abs(rp.pixels()[0, :, :2] - up.pixels()[0, :, :2])
            assert np.median(shift) < 6, np.median(shift)  # same person, same place
            compared += 1
    assert compared >= 8
    nose, hips = 0, [23, 24]
    pose = next(p for p in rotated_poses if p.people)
    assert pose.pixels()[0, nose, 1] < pose.pixels()[0, hips, 1].min()  # head above hips


def test_corrupt_packets_in_the_middle_are_skipped_and_counted(tmp_path, model_path):
    src = write_corrupt_middle(tmp_path / "damaged.mp4", gradient_frames(30), {12, 13, 14})
    before = sha256(src)
    result, out, _ = _convert(src, tmp_path / "out", model_path)
    assert result.corrupt_packets == 3
    assert result.frames == 27 == probe(out, count_frames=True).frame_count
    assert sha256(src) == before


def test_cli_reports_skipped_packets_and_handles_non_ascii_paths(tmp_path):
    folder = tmp_path / "Übung mit Leerzeichen — 日本"
    folder.mkdir()
    src = write_corrupt_middle(folder / "patient clip é 1.mp4", gradient_frames(30), {12, 13})
    out = folder / "résultat final.mp4"
    result = run_cli("convert", src, "-o", out, "--keypoints", folder / "点.csv", "-q",
                     timeout=CLI_TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "2 damaged packet(s) skipped" in result.stdout
    assert result.stderr.strip() == ""
    assert sorted(leftovers(folder)) == sorted([src.name, out.name, "点.csv"])
    assert probe(out, count_frames=True).frame_count == 28


def test_truncated_stream_converts_what_is_readable(tmp_path, model_path):
    """A recording cut off mid-stream in a container that can still be read
    (Matroska) converts the frames before the cut."""
    full = write_clip(tmp_path / "full.mkv", gradient_frames(30), container_format="matroska")
    data = full.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) * 2 // 3])
    result, out, _ = _convert(cut, tmp_path / "out", model_path)
    assert 5 <= result.frames < 30
    assert probe(out, count_frames=True).frame_count == result.frames
    assert result.ends_early and any("truncated" in n for n in result.notes())
    whole, _, _ = _convert(full, tmp_path / "out_full", model_path)
    assert not whole.ends_early and whole.notes() == ["no person found in 30 of 30 frames"]
