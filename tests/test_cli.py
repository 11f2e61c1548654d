"""The command line as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.base.errors import PoseCloakError
from app.cli.arguments import build_parser, settings_from_args
from app.engine.jobs import expand_inputs
from app.media.video import probe
from tests.helpers.clips import frames_of, write_clip

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("POSECLOAK_DEBUG", None)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory, carphone) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    return write_clip(folder / "short clip.mp4", frames_of(carphone, 12))


def test_version():
    from app import __version__
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"posecloak {__version__}"


def test_info_describes_the_file(carphone, vtest):
    result = run_cli("info", str(carphone))
    assert result.returncode == 0
    assert "176x144" in result.stdout and "30000/1001" in result.stdout
    assert "frames:      120" in result.stdout and "audio:       none" in result.stdout
    assert "container:   QuickTime / MOV" in result.stdout  # a name for people, not "mov,mp4,..."
    both = run_cli("info", str(carphone), str(vtest)).stdout.split("\n\n")
    assert len(both) == 2 and both[1].startswith("file:        vtest.avi")


@pytest.mark.skipif(not sys.platform.startswith("linux") or bool(glob.glob("/dev/video*")),
                    reason="needs a Linux machine with no /dev/video* node")
def test_cameras_command_says_when_there_is_none():
    """No video device at all: the command says so and succeeds."""
    result = run_cli("cameras")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No camera found.")


def test_convert_with_style_and_keypoints(tmp_path, short_clip):
    out = tmp_path / "out.mp4"
    result = run_cli("convert", str(short_clip), "-o", str(out), "--color", "#ff0000",
                     "--thickness", "6", "--no-face", "--keypoints", str(tmp_path / "k.csv"),
                     "--background", "white", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert probe(out, count_frames=True).frame_count == 12
    header = (tmp_path / "k.csv").read_text().splitlines()[:2]
    assert header[0].startswith("frame,time_s,person_id")
    assert ",nose," not in (tmp_path / "k.csv").read_text()  # --no-face drops them
    frame = frames_of(out, 1)[0]
    assert frame.mean() > 200  # white background
    # Native MediaPipe/TFLite chatter stays off the user's terminal.
    assert "W0000" not in result.stderr and "INFO:" not in result.stderr


def test_batch_with_a_broken_file_converts_the_rest(tmp_path, short_clip):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(3000))
    good2 = write_clip(tmp_path / "second.mp4", frames_of(short_clip, 5))
    out_dir = tmp_path / "out"
    result = run_cli("convert", str(short_clip), str(broken), str(good2), "--out-dir",
                     str(out_dir), "--keypoints", "json", "--jobs", "1")
    assert result.returncode == 1
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["second_skeleton.json", "second_skeleton.mp4",
                     "short clip_skeleton.json", "short clip_skeleton.mp4"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("posecloak: error:")]
    assert len(errors) == 1 and "broken.mp4" in errors[0]
    assert "Traceback" not in result.stderr
    assert "Converted 2 of 3" in result.stderr


def _file(folder: Path, name: str, data: bytes | None) -> Path:
    path = folder / name
    if data is not None:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name,data,expect", [
    ("missing.mp4", None, "file not found"),
    ("empty.mp4", b"", "empty"),
    ("notes.mkv", b"hello, this is text", "not a video"),
])
def test_bad_input_is_one_clear_line(tmp_path, name, data, expect):
    src = _file(tmp_path, name, data)
    result = run_cli("convert", str(src), "--out-dir", str(tmp_path / "o"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0] and lines[0].startswith("posecloak: error:")
    assert not list((tmp_path / "o").iterdir())


def test_output_equal_to_input_is_refused(tmp_path, short_clip):
    copy = tmp_path / "same.mp4"
    copy.write_bytes(short_clip.read_bytes())
    before = copy.read_bytes()
    result = run_cli("convert", str(copy), "-o", str(copy), "--overwrite")
    assert result.returncode == 1 and "overwrite the input" in result.stderr
    assert copy.read_bytes() == before


def test_existing_output_needs_overwrite(tmp_path, short_clip):
    out = tmp_path / "o.mp4"
    out.write_bytes(b"keep me")
    result = run_cli("convert", str(short_clip), "-o", str(out), "--jobs", "1")
    assert result.returncode == 1 and "already exists" in result.stderr
    assert out.read_bytes() == b"keep me"


def test_usage_errors_exit_2(tmp_path, short_clip):
    assert run_cli("convert", str(short_clip), "--opacity", "3").returncode == 2
    assert run_cli("convert").returncode == 2


def test_folder_and_glob_inputs(tmp_path, short_clip):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.mp4", "b.avi", "notes.txt"):
        (folder / name).write_bytes(b"x")
    paths, problems = expand_inputs([str(folder), str(tmp_path / "in" / "*.mp4"),
                                     str(tmp_path / "nothing*.mov")])
    assert [p.name for p in paths] == ["a.mp4", "b.avi"]  # deduplicated, no .txt
    assert problems == [f"{tmp_path / 'nothing*.mov'}: no file matches."]


def test_settings_from_arguments(tmp_path, media):
    parser = build_parser()
    args = parser.parse_args(["convert", "x.mp4", "--background", str(media / "messi5.jpg"),
                              "--fit", "fill", "--bg-hold", "--color", "255,0,0",
                              "--opacity", "0.5", "--max-people", "2", "--smooth", "0.4",
                              "--exclude-id", "3", "--exclude-id", "5", "--no-audio"])
    s = settings_from_args(args)
    assert s.background.path == media / "messi5.jpg" and s.background.fit.value == "fill"
    assert s.background.loop is False and s.style.color == (255, 0, 0)
    assert s.style.opacity == 0.5 and s.detection.people_limit == 2
    assert s.people.smoothing == 0.4 and s.people.exclude_ids == {3, 5} and not s.keep_audio
    assert not settings_from_args(parser.parse_args(["convert", "x.mp4"])).keep_audio
    assert settings_from_args(parser.parse_args(["convert", "x.mp4", "--keep-audio"])).keep_audio
    bad = parser.parse_args(["convert", "x.mp4", "--background", "not-a-thing"])
    with pytest.raises(PoseCloakError, match="neither a colour nor an existing file"):
        settings_from_args(bad)


def test_format_webm_names_and_writes_layers(tmp_path, short_clip):
    result = run_cli("convert", str(short_clip), "--out-dir", str(tmp_path), "--format", "webm",
                     "--jobs", "1")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "short clip_skeleton.webm"
    info = probe(out, count_frames=True)
    assert info.codec == "vp9" and info.frame_count == 12
