"""Times that match the output video, and saying when nobody was found.

Every clip is made here from ../shared/media with PyAV; every conversion
runs the real model through the CLI or the pipeline.
"""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from app.base.settings import SkeletonSettings
from app.base.style import RenderStyle
from app.cli.main import main as cli_main
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert
from app.media.images import encode_image
from tests.helpers.clips import frames_of, write_clip
from tests.helpers.timing_clips import (
    audio_onsets,
    mp4_video_end_s,
    write_click_clip,
    write_timed_clip,
)


@pytest.fixture(scope="module")
def person_frames(carphone) -> list[np.ndarray]:
    return frames_of(carphone, 30)


def _output_frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [float(f.pts * stream.time_base) for f in container.decode(stream)]


def test_keypoint_times_are_the_output_frames_presentation_times(tmp_path, person_frames):
    """A source whose video starts at 0.5 s: the output keeps that start and
    every keypoint frame's time_s (JSON and CSV) is its output frame's
    pts * time_base."""
    src = write_clip(tmp_path / "late.mp4", person_frames[:20],
                     pts=list(range(15, 35)), time_base=Fraction(1, 30))
    out = tmp_path / "late_out.mp4"
    code = cli_main(["convert", str(src), "-o", str(out), "--keypoints", "json",
                     "--keypoints", "csv", "--jobs", "1", "-q"])
    assert code == 0
    video_times = _output_frame_times(out)
    assert video_times[0] == pytest.approx(0.5)
    data = json.loads(out.with_suffix(".json").read_text())
    assert [f["time_s"] for f in data["frames"]] == [round(t, 6) for t in video_times]
    with open(out.with_suffix(".csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, "carphone has a person in these frames"
    for row in rows:
        assert float(row["time_s"]) == pytest.approx(video_times[int(row["frame"])], abs=1e-6)


def test_reencoded_audio_starts_when_the_source_audio_does(tmp_path, person_frames, model_path):
    """PCM -> AAC: the encoder's priming samples are skipped by the MP4's
    edit list, so the click plays when it does in the source (within 1 ms),
    also for audio that starts 0.25 s into the file."""
    for audio_start in (0.0, 0.25):
        src = write_click_clip(tmp_path / f"click{audio_start}.mov", person_frames, 0.4,
                               audio_start_s=audio_start)
        codec, first, click = audio_onsets(src)
        assert (codec, first) == ("pcm_s16le", pytest.approx(audio_start, abs=1e-6))
        assert click == pytest.approx(0.4, abs=1e-4)
        out = tmp_path / f"click{audio_start}_out.mp4"
        settings = SkeletonSettings(jobs=1, keep_audio=True)
        result = convert(ConvertJob(src, out, settings, ()), model_path)
        assert result.audio
        codec, first, click = audio_onsets(out)
        assert codec == "aac"
        # The click is where the source has it: the source's samples keep
        # their times, its first one included.
        assert click == pytest.approx(0.4, abs=0.001)
        if audio_start == 0:
            assert first == pytest.approx(0.0, abs=0.001)  # priming skipped (edit list)
        else:
            # A later start is an empty edit; the encoder's 1024 priming
            # samples (silence) sit just before the source's first one.
            assert audio_start - 1024 / 48000 - 0.001 <= first <= audio_start


def test_variable_frame_rate_last_frame_keeps_its_duration(tmp_path, person_frames, model_path):
    """Stamps set by hand (ms): uneven steps and a last frame of 77 ms. The
    output's edit list ends where the source's does, within 1 ms."""
    stamps = [0, 33, 100, 133, 300, 333, 800]
    src = write_timed_clip(tmp_path / "vfr.mp4", person_frames[:len(stamps)], stamps, end=877)
    assert mp4_video_end_s(src) == pytest.approx(0.877, abs=1e-6)
    out = tmp_path / "vfr_out.mp4"
    result = convert(ConvertJob(src, out, SkeletonSettings(jobs=1), ()), model_path)
    assert _output_frame_times(out) == pytest.approx([s / 1000 for s in stamps], abs=1e-6)
    assert mp4_video_end_s(out) == pytest.approx(0.877, abs=0.001)
    assert result.video_end_s == pytest.approx(0.877, abs=0.001)
    assert not result.ends_early


def test_people_without_a_valid_landmark_are_not_exported(tmp_path, person_frames, model_path):
    """With a very high threshold (0.998) the landmarker still returns the
    person, but in some frames no landmark passes: such entries are left
    out of JSON and CSV, so len(people) counts people seen. (0.999 until
    carphone was read at its display size, 192x144: its best landmark
    there scores 0.996-0.999.)"""
    src = write_clip(tmp_path / "person.mp4", person_frames)
    out = tmp_path / "strict.mp4"
    kp_json, kp_csv = out.with_suffix(".json"), out.with_suffix(".csv")
    settings = SkeletonSettings(jobs=1, style=RenderStyle(min_confidence=0.998))
    result = convert(ConvertJob(src, out, settings, (kp_json, kp_csv)), model_path)
    frames = json.loads(kp_json.read_text())["frames"]
    people = [p for f in frames for p in f["people"]]
    assert people, "some frames have confident landmarks"
    assert all(any(lm["valid"] for lm in p["landmarks"]) for p in people)
    empty = sum(not f["people"] for f in frames)
    assert 0 < empty == result.frames_without_people
    assert result.max_people == max(len(f["people"]) for f in frames)
    with open(kp_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    by_person: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        by_person.setdefault((row["frame"], row["person_id"]), []).append(row["valid"])
    assert len(by_person) == len(people)
    assert all("1" in valid for valid in by_person.values())


def test_nobody_found_is_said_without_failing(tmp_path, tree, capsys):
    """tree.avi has nobody in it: the summary says so, exit 0, files written;
    a still with nobody says "no person found"."""
    out = tmp_path / "tree.mp4"
    assert cli_main(["convert", str(tree), "-o", str(out), "--jobs", "1", "-q"]) == 0
    text = capsys.readouterr().out
    assert "no person found in 68 of 68 frames" in text
    assert out.is_file()
    still = tmp_path / "tree.png"
    still.write_bytes(encode_image(frames_of(tree, 1)[0], ".png"))
    out_still = tmp_path / "tree_out.png"
    assert cli_main(["convert", str(still), "-o", str(out_still), "-q"]) == 0
    line = capsys.readouterr().out
    assert "no person found" in line and " of " not in line.split("no person found")[1][:4]
    assert out_still.is_file()


def test_a_person_in_every_frame_gives_no_nobody_note(tmp_path, person_frames, capsys):
    src = write_clip(tmp_path / "person.mp4", person_frames[:10])
    assert cli_main(["convert", str(src), "-o", str(tmp_path / "p.mp4"), "--jobs", "1", "-q"]) == 0
    assert "no person found" not in capsys.readouterr().out


def test_auto_tiles_on_a_small_picture_say_why_they_do_nothing(tmp_path, person_frames, capsys):
    """192x144 (carphone as shown) is under 288 px: --tiles auto searches the whole frame and
    the summary says so in one line (not an error); a bigger picture gets
    no such note."""
    src = write_clip(tmp_path / "small.mp4", person_frames[:5])
    assert cli_main(["convert", str(src), "-o", str(tmp_path / "s.mp4"), "--tiles", "auto",
                     "--jobs", "1", "-q"]) == 0
    captured = capsys.readouterr()
    assert "tiles (auto) not used on this 192x144 picture" in captured.out
    assert "under 288 px" in captured.out and "error" not in captured.err
    big = [np.repeat(np.repeat(f, 2, axis=0), 2, axis=1) for f in person_frames[:3]]
    src_big = write_clip(tmp_path / "big.mp4", big)
    assert cli_main(["convert", str(src_big), "-o", str(tmp_path / "b.mp4"), "--tiles", "auto",
                     "--jobs", "1", "-q"]) == 0
    assert "tiles (auto)" not in capsys.readouterr().out
