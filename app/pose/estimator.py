"""Pose estimation with MediaPipe PoseLandmarker, returning plain NumPy values.

MediaPipe is imported lazily (it is heavy and pulls in matplotlib). A
`PoseEstimator` belongs to the thread that created it; create and close it
in the worker that uses it.

`device` says where its landmarker runs ("gpu" only when the GPU was asked
for and MediaPipe's GPU delegate started); `ran_on` is the same as a tally
that wrappers add up (app/pose/devices.py).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from app.base.errors import ModelError
from app.base.landmarks import NUM_LANDMARKS
from app.base.settings import DetectionSettings
from app.base.types import DETECTION_COLUMNS, WX
from app.pose.devices import RanOn

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_silenced = False  # fd 2 already points at the null device for good


_stderr_lock = threading.Lock()
_quiet_users = 0  # loaders inside _quiet_native_stderr (with fd 2 on the null device)
_saved_stderr: int | None = None  # the real fd 2 meanwhile


@contextmanager
def _quiet_native_stderr():
    """TFLite prints alignment warnings straight to fd 2 while loading; hide
    them so the CLI's stderr carries only our own messages. fd 2 is process
    wide, so the first of concurrent loaders points it at the null device
    and the last one back; none waits for another's load (two pose workers
    load their landmarkers at once: in turns, a conversion started a
    quarter of a second later)."""
    global _quiet_users, _saved_stderr
    with _stderr_lock:
        entered = not _silenced
        if entered:
            if _quiet_users == 0:
                _saved_stderr = _null_fd2()
            _quiet_users += 1
    try:
        yield
    finally:
        if entered:
            with _stderr_lock:
                _quiet_users -= 1
                if _quiet_users == 0 and _saved_stderr is not None:
                    os.dup2(_saved_stderr, 2)
                    os.close(_saved_stderr)
                    _saved_stderr = None


def _null_fd2() -> int | None:
    """Points fd 2 at the null device; returns a copy of the old fd 2
    (None, and nothing changed, when the descriptors cannot be had)."""
    try:
        saved = os.dup(2)
    except OSError:
        return None
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        return None
    os.dup2(devnull, 2)
    os.close(devnull)
    return saved


def silence_native_logs() -> None:
    """Sends native (C++) stderr chatter of MediaPipe/TFLite to the null device
    for the rest of the process, while Python's sys.stderr keeps the real
    terminal. Set POSECLOAK_DEBUG=1 to see the native logs."""
    global _silenced, _saved_stderr
    if _silenced or os.environ.get("POSECLOAK_DEBUG"):
        return
    import sys
    with _stderr_lock:
        try:
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            return
        if _saved_stderr is not None:
            # Loaders have fd 2 on the null device now: the real one is theirs
            # to put back, and becomes sys.stderr's instead.
            saved: int | None = _saved_stderr
            _saved_stderr = None
        else:
            saved = _null_fd2()
        if saved is None:
            return
        try:
            sys.stderr = os.fdopen(saved, "w", buffering=1,
                                   encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                                   errors="backslashreplace", closefd=False)
        except (OSError, ValueError):
            os.dup2(saved, 2)
            os.close(saved)
            return
        _silenced = True


_fallback_lock = threading.Lock()
_fallback_said = False  # the stderr line below, once per process


def _reason_of(error: BaseException) -> str:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    # MediaPipe's messages name graph nodes at length; the gist is at the end.
    if ": " in reason:
        reason = reason.rsplit(": ", 1)[-1]
    return reason.rstrip(".")


def gpu_fallback_line(error: BaseException) -> str:
    """The one line that says the GPU delegate could not start, and why."""
    return _fallback_line(_reason_of(error))


def _fallback_line(reason: str) -> str:
    return f"posecloak: the GPU could not run the pose model ({reason}); using the CPU."


def _say_gpu_fallback(reason: str) -> None:
    """Prints `gpu_fallback_line` once per process (every worker's landmarker
    tries the GPU, so without the flag it would repeat). Only the terminal
    line is process wide: what a conversion or the preview shows comes from
    its own landmarkers (`PoseEstimator.fallback_reason`, app/pose/devices.py)."""
    global _fallback_said
    with _fallback_lock:
        if _fallback_said:
            return
        _fallback_said = True
    import sys
    print(_fallback_line(reason), file=sys.stderr, flush=True)


def check_model_loads(model_path: Path) -> None:
    """Loads the model once (IMAGE mode) so a bad file fails before any work."""
    PoseEstimator(model_path, DetectionSettings(max_people=1), video=False).close()


def result_to_array(pose_landmarks, world_landmarks=None) -> np.ndarray:
    """MediaPipe's lists of landmark lists -> a float32 detection array
    (people, 33, 8): x, y, z, visibility, presence, then the person's world
    landmarks (metres, hip-centred; NaN when MediaPipe gave none)."""
    out = np.zeros((len(pose_landmarks), NUM_LANDMARKS, DETECTION_COLUMNS), np.float32)
    out[..., WX:] = np.nan
    world_landmarks = world_landmarks or []
    for p, landmarks in enumerate(pose_landmarks):
        # One array call per person: setting rows one by one cost more than
        # the values themselves.
        rows = [(lm.x, lm.y, lm.z, lm.visibility or 0.0, lm.presence or 0.0)
                for lm in landmarks[:NUM_LANDMARKS]]
        if rows:
            out[p, :len(rows), :WX] = rows
        if p < len(world_landmarks):
            world = [(lm.x, lm.y, lm.z) for lm in world_landmarks[p][:NUM_LANDMARKS]]
            if world:
                out[p, :len(world), WX:] = world
    return out


class PoseEstimator:
    """Wraps a PoseLandmarker in VIDEO mode (or IMAGE mode for stills).

    VIDEO mode requires strictly increasing timestamps; `detect` bumps a
    repeated or backwards stamp by 1 ms so damaged files cannot break it.
    """

    def __init__(self, model_path: Path, options: DetectionSettings = DetectionSettings(), *,
                 video: bool = True) -> None:
        self.options = options
        self.video = video
        self._last_ms = -1
        from app.base import netguard
        netguard.install()  # re-asserted in case anything changed the proxy variables
        try:
            from app.pose.deferred_imports import defer_unused_imports
            defer_unused_imports()
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions
            from mediapipe.tasks.python.vision import (
                PoseLandmarker,
                PoseLandmarkerOptions,
                RunningMode,
            )
        except ImportError as exc:  # pragma: no cover - broken install
            raise ModelError(f"MediaPipe is not installed correctly ({exc}).") from None
        self._mp = mp

        def landmarker_on(delegate):
            mp_options = PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(model_path), delegate=delegate),
                running_mode=RunningMode.VIDEO if video else RunningMode.IMAGE,
                num_poses=options.people_limit,
                min_pose_detection_confidence=options.min_detection_confidence,
                min_pose_presence_confidence=options.min_presence_confidence,
                min_tracking_confidence=options.min_tracking_confidence,
            )
            with _quiet_native_stderr():
                return PoseLandmarker.create_from_options(mp_options)

        self.device = "cpu"  # where this landmarker runs
        self.fallback_reason: str | None = None  # why not on the GPU, when it was asked for
        self._landmarker: Any = None
        gpu_failure: str | None = None
        if options.device == "gpu":
            try:
                self._landmarker = landmarker_on(BaseOptions.Delegate.GPU)
                self.device = "gpu"
            except Exception as exc:  # noqa: BLE001 - no GPU, no GL, emulated GL...
                gpu_failure = _reason_of(exc)
            if gpu_failure is not None:
                # A landmarker that failed to start leaves MediaPipe's call
                # dispatcher in a reference cycle, and its thread runs until
                # the garbage collector frees it: collected now, it ends now
                # (a thread per failed start, else; ~25 ms, on this path only).
                import gc
                gc.collect()
        try:
            if self._landmarker is None:
                self._landmarker = landmarker_on(BaseOptions.Delegate.CPU)
                if gpu_failure is not None:  # said only once the CPU did start
                    self.fallback_reason = gpu_failure
                    _say_gpu_fallback(gpu_failure)
        except Exception:  # noqa: BLE001 - MediaPipe raises RuntimeError/ValueError variants
            from app.pose.model import damaged_model_advice
            raise ModelError(f"the pose model {Path(model_path).name} could not be loaded (damaged "
                             f"or not a PoseLandmarker bundle); {damaged_model_advice(model_path)}."
                             ) from None

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> np.ndarray:
        """A detection array (people, 33, 8) for one RGB uint8 image: landmarks
        and world landmarks (app/base/types.py)."""
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB,
                               data=np.ascontiguousarray(rgb))
        if self.video:
            ts = int(timestamp_ms or 0)
            if ts <= self._last_ms:
                ts = self._last_ms + 1
            self._last_ms = ts
            result = self._landmarker.detect_for_video(image, ts)
        else:
            result = self._landmarker.detect(image)
        return result_to_array(result.pose_landmarks, result.pose_world_landmarks)

    @property
    def ran_on(self) -> RanOn:
        """This landmarker's device, and why not the GPU if it was asked for."""
        fallbacks = (self.fallback_reason,) if self.fallback_reason else ()
        return RanOn(gpu=int(self.device == "gpu"), cpu=int(self.device == "cpu"),
                     fallbacks=fallbacks)

    def close(self) -> None:
        landmarker, self._landmarker = getattr(self, "_landmarker", None), None
        if landmarker is not None:
            landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
