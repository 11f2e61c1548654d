"""One live preview step, Qt-free: frame -> pose -> people (`LiveProcessor`),
then pose -> skeleton image (`LivePainter`), each on its own thread.

`LiveProcessor` belongs to the thread that created it (it owns a MediaPipe
landmarker); settings are swapped between frames with `update`, and only
the parts that changed are rebuilt, so a new colour shows on the next frame
without reloading the model. Results are immutable snapshots.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.base.settings import (
    SkeletonSettings,
)
from app.base.types import Frame, PoseFrame
from app.draw.render import SkeletonRenderer
from app.engine.backgrounds import Background, open_background
from app.engine.estimators import open_estimator
from app.engine.shot_estimator import ShotEstimator
from app.people.processor import PeopleProcessor
from app.people.standard_body import output_pose


@dataclass(frozen=True)
class LiveSettings:
    """The live loop's settings: the one settings value (as the preview is
    to look) and whether to hand the camera picture on for framing."""

    skeleton: SkeletonSettings = field(default_factory=SkeletonSettings)
    show_raw: bool = False  # never saved, never recorded


@dataclass(frozen=True)
class LiveTimings:
    inference_ms: float
    render_ms: float


def _readonly(image: np.ndarray) -> np.ndarray:
    image.setflags(write=False)
    return image


@dataclass(frozen=True, eq=False)
class LiveResult:
    """One processed frame: the pose, the skeleton picture (what is shown and
    recorded) and, only when asked for, the raw picture for framing."""

    pose: PoseFrame
    rendered: np.ndarray
    raw: np.ndarray | None
    timings: LiveTimings
    session_s: float  # seconds since the live session started
    # The pose as drawn and recorded (the standard body when it is on); None:
    # `pose` itself. `pose` keeps the real landmarks, which the analysis reads.
    drawn: PoseFrame | None = None

    @property
    def output(self) -> PoseFrame:
        """The pose as drawn, recorded and written to keypoint files."""
        return self.pose if self.drawn is None else self.drawn


@dataclass(frozen=True, eq=False)
class Estimate:
    """A frame's pose, after people processing, and what it cost."""

    pose: PoseFrame
    raw: np.ndarray | None  # the camera picture, only when asked for
    inference_ms: float
    session_s: float


class LiveProcessor:
    """Estimator + PeopleProcessor for one live session: frame -> pose.
    Thread: only the thread that created it. Drawing is `LivePainter`'s,
    on a thread of its own, so the landmarker goes on to the next frame
    while the last one is drawn."""

    def __init__(self, model_path: Path, settings: LiveSettings, fps: float = 30.0) -> None:
        self.model_path = Path(model_path)
        self.fps = fps
        self.settings = settings
        self._started = time.monotonic()
        self._count = 0
        # A fresh landmarker at each scene cut of a file source (a seek or a
        # loop that changes the picture is one), for the current detection
        # settings.
        self._shots = ShotEstimator(
            lambda: open_estimator(self.model_path, self.settings.skeleton.detection))
        self._people: PeopleProcessor | None = None

    def update(self, settings: LiveSettings) -> None:
        """Takes new settings; rebuilds only what they change."""
        old, self.settings = self.settings.skeleton, settings
        new = settings.skeleton
        if new.detection != old.detection:
            self._shots.restart()
        if self._people is not None and (new.people, new.min_confidence) != (
                old.people, old.min_confidence):
            self._people.reconfigure(new.people, new.min_confidence)

    @property
    def landmarkers(self) -> int:
        """Landmarkers made so far: one, plus one per scene cut or change of
        detection settings."""
        return self._shots.landmarkers

    @property
    def device_note(self) -> str | None:
        """"Pose on the CPU: the GPU could not start (why)" while the
        landmarker in use was asked for the GPU and started on the CPU, else
        None (a change of settings or a cut makes a new one, so it can
        change)."""
        return self._shots.running_on.cpu_note("Pose")

    def reset_tracking(self) -> None:
        """Forgets motion history (after a seek or a jump in the source).
        The landmarker stays: if the picture jumped, the cut test on the
        next frame restarts it (a restart on every jump would cost a model
        load each time a slow machine skips a second of a live source)."""
        self._people = None

    def estimate(self, frame: Frame) -> Estimate:
        if self._people is None:
            skeleton = self.settings.skeleton
            self._people = PeopleProcessor(skeleton.people, self.fps, skeleton.min_confidence)
        session_s = time.monotonic() - self._started
        t0 = time.perf_counter()
        cut = self._shots.new_shot(frame.image)
        # Live timestamps follow the wall clock, so they rise across loops and seeks.
        landmarks = self._shots.detect(frame.image, int(session_s * 1000))
        t1 = time.perf_counter()
        pose = PoseFrame(index=self._count, time_s=session_s, width=frame.width,
                         height=frame.height, landmarks=landmarks, pts=frame.pts, scene_cut=cut,
                         boxes=self._shots.boxes)
        self._count += 1
        ready = self._people.push(pose)
        pose = ready[-1] if ready else pose.select([])
        return Estimate(pose, frame.image if self.settings.show_raw else None,
                        (t1 - t0) * 1000, session_s)

    def close(self) -> None:
        self._shots.close()


class LivePainter:
    """Draws live poses: a renderer for the current style and the
    background, rebuilt only when the settings passed in change.
    Thread: only one at a time (the live loop's drawing thread)."""

    def __init__(self) -> None:
        self._renderer: SkeletonRenderer | None = None
        self._background: Background | None = None
        self._background_key: tuple | None = None

    def paint(self, estimate: Estimate, settings: LiveSettings) -> LiveResult:
        t0 = time.perf_counter()
        pose = estimate.pose
        style = settings.skeleton.style
        if self._renderer is None or self._renderer.style != style:
            self._renderer = SkeletonRenderer(style)
        background = self._background_for(settings, pose.width, pose.height)
        drawn = output_pose(pose, settings.skeleton)
        rendered = _readonly(self._renderer.render(background.frame_at(estimate.session_s), drawn))
        render_ms = (time.perf_counter() - t0) * 1000
        raw = estimate.raw if settings.show_raw else None
        return LiveResult(pose, rendered, raw, LiveTimings(estimate.inference_ms, render_ms),
                          estimate.session_s, None if drawn is pose else drawn)

    def _background_for(self, settings: LiveSettings, width: int, height: int):
        spec = settings.skeleton.background
        key = (spec, width, height)
        if key != self._background_key:
            self.close()
            self._background_key = key
            self._background = open_background(spec, width, height)
        return self._background

    def close(self) -> None:
        if self._background is not None:
            self._background.close()
        self._background = None
        self._background_key = None


class RateMeter:
    """Events per second over the last `window_s` seconds."""

    def __init__(self, window_s: float = 1.0) -> None:
        self.window_s = window_s
        self._stamps: deque[tuple[float, int]] = deque()

    def add(self, total: int, now: float | None = None) -> None:
        """Records a running total (frames so far) at time `now`."""
        now = time.monotonic() if now is None else now
        self._stamps.append((now, total))
        while len(self._stamps) > 2 and now - self._stamps[0][0] > self.window_s:
            self._stamps.popleft()

    @property
    def rate(self) -> float:
        if len(self._stamps) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._stamps[0], self._stamps[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


def person_at(pose: PoseFrame, x_norm: float, y_norm: float, margin: float = 0.03) -> int | None:
    """The ID of the person whose landmark box (grown by `margin`) holds the
    point; the smallest box wins where boxes overlap. None if nobody is there."""
    best: tuple[float, int] | None = None
    for row in range(pose.people):
        valid = pose.valid[row]
        if not valid.any():
            continue
        xy = pose.landmarks[row, valid, :2]
        (x0, y0), (x1, y1) = xy.min(axis=0) - margin, xy.max(axis=0) + margin
        if x0 <= x_norm <= x1 and y0 <= y_norm <= y1:
            area = float((x1 - x0) * (y1 - y0))
            if best is None or area < best[0]:
                best = (area, pose.ids[row])
    return None if best is None or best[1] < 0 else best[1]
