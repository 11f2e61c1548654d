"""`--device gpu`: MediaPipe's GPU delegate where it starts, else the CPU with
one line that says so. CPU-only machines (CI) test the fallback for real."""

from __future__ import annotations

import numpy as np
import pytest

from app.base.settings import DetectionSettings
from app.base.types import DETECTION_COLUMNS
from app.cli.arguments import build_parser, settings_from_args
from app.pose.estimator import PoseEstimator, gpu_fallback_line
from app.studio.studio_settings import StudioSettings, from_dict, to_dict
from tests.helpers.clips import frames_of, write_clip
from tests.helpers.gpu import PretendGpu
from tests.test_cli import run_cli


def test_device_is_one_checked_setting_from_cli_and_app_json():
    parser = build_parser()
    assert settings_from_args(parser.parse_args(["convert", "x.mp4"])).detection.device == "cpu"
    chosen = settings_from_args(parser.parse_args(["convert", "x.mp4", "--device", "gpu"]))
    assert chosen.detection.device == "gpu"
    with pytest.raises(ValueError):
        DetectionSettings(device="tpu")
    app = StudioSettings().edited(detection=chosen.detection)
    assert from_dict(to_dict(app)).detection.device == "gpu"
    data = to_dict(app)
    data["skeleton"]["detection"]["device"] = "quantum"  # a bad file keeps the default
    assert from_dict(data).detection.device == "cpu"


def test_bad_device_flag_is_a_usage_error(tmp_path):
    result = run_cli("convert", str(tmp_path / "x.mp4"), "--device", "tpu")
    assert result.returncode == 2 and "--device" in result.stderr


def test_the_fallback_line_is_one_short_sentence():
    error = RuntimeError('Service "kGpuService", required by node a__b__c, was not provided '
                         "and cannot be created: GPU emulation detected, but not supported.")
    line = gpu_fallback_line(error)
    assert "\n" not in line and "kGpuService" not in line
    assert line == ("posecloak: the GPU could not run the pose model "
                    "(GPU emulation detected, but not supported); using the CPU.")


def test_gpu_estimator_still_finds_the_person(model_path, carphone, gpu_starts):
    """Whichever delegate started, it detects: the same person as on the CPU."""
    image = frames_of(carphone, 1)[0]
    with PoseEstimator(model_path, DetectionSettings(device="gpu"), video=False) as gpu, \
            PoseEstimator(model_path, DetectionSettings(), video=False) as cpu:
        assert gpu.device == ("gpu" if gpu_starts else "cpu") and cpu.device == "cpu"
        found, reference = gpu.detect(image), cpu.detect(image)
    assert found.shape == reference.shape == (1, 33, DETECTION_COLUMNS)
    assert np.abs(found[0, :, :2] - reference[0, :, :2]).max() < 0.02


def test_convert_on_gpu_falls_back_once_and_writes_the_video(tmp_path, carphone, gpu_starts):
    if gpu_starts:
        pytest.skip("this machine's GPU delegate starts: there is no fallback to see")
    clip = write_clip(tmp_path / "clip.mp4", frames_of(carphone, 40))
    out = tmp_path / "out.mp4"
    # Two workers: two landmarkers try the GPU, the line is still said once.
    result = run_cli("convert", str(clip), "-o", str(out), "--device", "gpu", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "GPU" in line]
    assert len(lines) == 1 and lines[0].startswith("posecloak: the GPU could not run")
    assert lines[0].endswith("using the CPU.")
    assert out.stat().st_size > 0
    assert "ran on the CPU: the GPU could not start (" in result.stdout  # and in the summary
    from app.media.video import probe
    assert probe(out).frame_count == 40


# -- the note rests on this conversion's own landmarkers ------------------------


def test_a_conversions_note_says_what_its_own_landmarkers_ran_on(tmp_path, carphone, model_path,
                                                                 monkeypatch):
    """Not what some landmarker of the process once did: after a GPU start
    failed for a passing reason, a conversion whose GPU starts, and one asked
    to run on the CPU, carry no note; one whose GPU fails names its own
    reason; one whose gate re-check landmarker alone fell back ran partly
    on the CPU (a process-wide record of the first failure gets all wrong)."""
    from app.base.settings import SkeletonSettings
    from app.engine.jobs import ConvertJob
    from app.engine.pipeline import convert
    from app.media.images import encode_image
    frames = frames_of(carphone, 8)
    clip = write_clip(tmp_path / "clip.mp4", frames)
    still = tmp_path / "still.png"
    still.write_bytes(encode_image(frames[0], ".png"))
    outputs = iter(range(100))

    def note(source, device: str) -> str | None:
        out = tmp_path / f"out{next(outputs)}{'.png' if source == still else '.mp4'}"
        settings = SkeletonSettings(jobs=1, detection=DetectionSettings(device=device))
        return convert(ConvertJob(source, out, settings), model_path).device_note

    gpu = PretendGpu(monkeypatch)
    gpu.fails = {"VIDEO": "a passing reason", "IMAGE": "a passing reason"}
    for source in (clip, still):
        assert note(source, "gpu") == "ran on the CPU: the GPU could not start (a passing reason)"
    gpu.fails = {}
    for source in (clip, still):
        assert note(source, "gpu") is None  # its GPU started
        assert note(source, "cpu") is None
    gpu.fails = {"IMAGE": "no context for stills"}  # the gate's re-check landmarker
    assert note(clip, "gpu") == "ran partly on the CPU: the GPU could not start (no context for stills)"


def test_a_shot_estimator_adds_up_the_landmarkers_of_every_shot():
    """A landmarker per shot; the first shot's counts after it was closed at
    the cut (its wrapper lets go of its landmarkers then), and after close."""
    from app.engine.shot_estimator import ShotEstimator
    from app.pose.devices import NOWHERE, RanOn

    class Landmarker:
        def __init__(self, ran_on: RanOn) -> None:
            self.ran_on = ran_on

        def detect(self, image, timestamp_ms):
            return np.zeros((0, 33, 5), np.float32)

        def close(self) -> None:
            self.ran_on = NOWHERE

    made = iter([RanOn(gpu=1), RanOn(cpu=1, fallbacks=("out of memory",))])
    shots = ShotEstimator(lambda: Landmarker(next(made)))
    image = np.zeros((8, 8, 3), np.uint8)
    assert shots.ran_on == shots.running_on == NOWHERE
    shots.detect(image, 0)
    shots.restart()  # a cut
    shots.detect(image, 40)
    assert shots.running_on == RanOn(cpu=1, fallbacks=("out of memory",))
    assert shots.ran_on.cpu_note("ran") == "ran partly on the CPU: the GPU could not start (out of memory)"
    shots.close()
    assert shots.ran_on == RanOn(gpu=1, cpu=1, fallbacks=("out of memory",))
