"""Faults while running: cancel at any moment, callbacks that fail, a folder
that disappears, Ctrl+C, and a process killed outright."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.base.errors import Cancelled, OutputError
from app.base.files import clean_stale_partials
from app.base.settings import SkeletonSettings
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert
from app.media.video import probe
from tests.helpers.clips import frames_of, write_clip
from tests.helpers.corpus import ROOT, cli_env, gradient_frames, leftovers, partials

FRAMES = 24
TEMP_RE = re.compile(r"^\..+\.posecloak-partial-(\d+)-\d+\.\w+$")


@pytest.fixture(scope="module")
def clip(tmp_path_factory, carphone) -> Path:
    return write_clip(tmp_path_factory.mktemp("faults") / "clip.mp4", frames_of(carphone, FRAMES),
                      audio="aac")


def _job(src: Path, out_dir: Path) -> ConvertJob:
    out_dir.mkdir(exist_ok=True)
    return ConvertJob(src, out_dir / "out.mp4", SkeletonSettings(jobs=1),
                      (out_dir / "out.json", out_dir / "out.csv"))


@pytest.mark.parametrize("at", [0, 1, FRAMES // 2, FRAMES - 1])
def test_cancel_from_on_frame_leaves_no_file(at, clip, tmp_path, model_path):
    """Cancel at the first, second, middle and last frame (the last one after
    every frame was encoded, before the file is finished)."""
    cancel = threading.Event()

    def on_frame(pose, canvas):
        if pose.index >= at:
            cancel.set()

    with pytest.raises(Cancelled):
        convert(_job(clip, tmp_path / "out"), model_path, cancel=cancel, on_frame=on_frame)
    assert leftovers(tmp_path / "out") == []


def test_cancel_from_progress_callback_leaves_no_file(clip, tmp_path, model_path):
    cancel = threading.Event()
    calls = []

    def progress(p):
        calls.append(p.frames_done)
        cancel.set()

    with pytest.raises(Cancelled):
        convert(_job(clip, tmp_path / "out"), model_path, cancel=cancel, progress=progress)
    assert calls and calls[0] <= 1
    assert leftovers(tmp_path / "out") == []


def test_cancel_before_start_leaves_no_file(clip, tmp_path, model_path, media):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        convert(_job(clip, tmp_path / "out"), model_path, cancel=cancel)
    still = ConvertJob(media / "messi5.jpg", tmp_path / "out" / "s.png", SkeletonSettings(),
                       (tmp_path / "out" / "s.json",))
    with pytest.raises(Cancelled):
        convert(still, model_path, cancel=cancel)
    assert leftovers(tmp_path / "out") == []


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.6, 1.5])
def test_cancel_from_another_thread_at_any_moment(delay, clip, tmp_path, model_path):
    """Whenever the cancel lands, the folder holds either the finished output
    (it won the race) or nothing at all."""
    cancel = threading.Event()
    timer = threading.Timer(delay, cancel.set)
    timer.start()
    out_dir = tmp_path / "out"
    try:
        result = convert(_job(clip, out_dir), model_path, cancel=cancel)
    except Cancelled:
        assert leftovers(out_dir) == []
    else:
        assert result.frames == FRAMES
        assert leftovers(out_dir) == ["out.csv", "out.json", "out.mp4"]
        assert probe(out_dir / "out.mp4", count_frames=True).frame_count == FRAMES
    finally:
        timer.cancel()


def test_failing_frame_callback_leaves_no_file(clip, tmp_path, model_path):
    def on_frame(pose, canvas):
        if pose.index == 3:
            raise RuntimeError("the preview widget went away")

    with pytest.raises(RuntimeError):
        convert(_job(clip, tmp_path / "out"), model_path, on_frame=on_frame)
    assert leftovers(tmp_path / "out") == []


def test_output_folder_removed_mid_conversion(clip, tmp_path, model_path):
    """The output folder vanishes (USB stick pulled, folder deleted): a clear
    error and no file anywhere."""
    out_dir = tmp_path / "stick"

    def on_frame(pose, canvas):
        if pose.index == 5:
            for p in out_dir.iterdir():
                p.unlink()
            out_dir.rmdir()

    with pytest.raises(OutputError) as err:
        convert(_job(clip, out_dir), model_path, on_frame=on_frame)
    assert "\n" not in str(err.value)
    assert not out_dir.exists()


# --------------------------------------------------------------------------
# a process interrupted or killed mid-conversion


def _as_from_a_terminal() -> None:
    """In the child: Ctrl+C's default disposition, as a terminal gives it. A
    suite started in the background by a non-interactive shell has SIGINT
    ignored, children inherit that, and Python then never raises
    KeyboardInterrupt (the CLI rightly keeps an ignored SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_cli(src: Path, out_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", "convert", str(src), "--out-dir", str(out_dir),
                             "--keypoints", "json", "-q", "--jobs", "1"],
                            cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_as_from_a_terminal)


def _wait_for_partial(proc: subprocess.Popen, out_dir: Path, timeout: float = 120) -> list[str]:
    """Polls until the conversion has written into its temp file."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        names = partials(out_dir)
        if any((out_dir / n).stat().st_size > 0 for n in names if (out_dir / n).exists()):
            return names
        if proc.poll() is not None:
            pytest.fail(f"the conversion ended before it could be interrupted: {proc.stderr.read()}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("no temp file appeared")


def _interrupt_cli(src: Path, out_dir: Path, sig: int) -> tuple[subprocess.Popen, str]:
    """Starts a CLI conversion, sends `sig` once it is writing, waits for the end."""
    out_dir.mkdir()
    proc = _start_cli(src, out_dir)
    try:
        _wait_for_partial(proc, out_dir)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc, stderr


def test_ctrl_c_removes_the_unfinished_output(carphone, tmp_path):
    out_dir = tmp_path / "out"
    proc, stderr = _interrupt_cli(carphone, out_dir, signal.SIGINT)
    assert proc.returncode == 130
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "interrupted" in lines[0] and "Traceback" not in stderr
    assert leftovers(out_dir) == []


def test_killed_process_leaves_only_a_marked_temp_that_the_next_run_cleans(carphone, tmp_path, model_path):
    out_dir = tmp_path / "out"
    proc, _ = _interrupt_cli(carphone, out_dir, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    left = leftovers(out_dir)
    assert left, "the kill came before anything was written"
    # Only hidden, clearly marked temp files of the dead process; no real output name.
    for name in left:
        m = TEMP_RE.match(name)
        assert m and int(m.group(1)) == proc.pid, name
    assert not (out_dir / "carphone_pristine_skeleton.mp4").exists()

    # A temp file of a process that is still alive must not be touched.
    alive = out_dir / f".other.posecloak-partial-{os.getppid()}-0.mp4"
    alive.write_bytes(b"still being written")

    # The next run in that folder removes the stale temp files and succeeds.
    small = write_clip(tmp_path / "next.mp4", gradient_frames(3))
    result = convert(ConvertJob(small, out_dir / "next.mp4", SkeletonSettings(jobs=1)), model_path)
    assert result.frames == 3
    assert leftovers(out_dir) == sorted([alive.name, "next.mp4"])

    # And a folder scan never mistakes a temp file for an input.
    stale = out_dir / f".x.posecloak-partial-{proc.pid}-7.mp4"
    stale.write_bytes(b"")
    from app.engine.jobs import expand_inputs
    inputs, problems = expand_inputs([str(out_dir)])
    assert [p.name for p in inputs] == ["next.mp4"] and problems == []
    assert clean_stale_partials(out_dir) == [stale]
