"""The whole analysis of one video: per-person angles (filtered), range of
motion, activity segments with cadence, and events.

`AnalysisAccumulator` is fed frame by frame (by the conversion pipeline or
the live recorder, beside the keypoint writers), and `finish` analyses the
tracks at the end: the zero-lag filter needs the whole signal. Files are
analysed through `analyze_arrays` with what `keypoints_to_arrays` reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from app.analysis import activity, events
from app.analysis.angles import (
    ANGLES,
    angles_from_xy,
    effective_cutoff,
    lowpass,
    range_of_motion,
    sample_rate,
)
from app.analysis.tracks import PersonTrack, TimeSpan, TrackBuilder, builder_from_arrays
from app.base.settings import AnalysisSettings
from app.base.types import PoseFrame

ANALYSIS_VERSION = 1


@dataclass(frozen=True, eq=False)
class PersonAnalysis(TimeSpan):
    person_id: int
    times: np.ndarray  # (n,)
    angles: np.ndarray  # (n, len(ANGLES)) filtered degrees, NaN where not measured
    states: np.ndarray  # (n,) indices into activity.STATES
    segments: list[activity.Segment]
    rom: dict[str, dict]

    @property
    def cadences(self) -> list[float]:
        return [s.cadence_spm for s in self.segments if s.cadence_spm is not None]

    def to_json(self) -> dict:
        def col(values: np.ndarray) -> list:
            return [None if not np.isfinite(v) else round(float(v), 2) for v in values]
        return {
            "id": self.person_id, "first_s": round(self.first_s, 3), "last_s": round(self.last_s, 3),
            "rom": self.rom, "time_in_state_s": activity.time_in_states(self.segments),
            "activity": [{"state": s.state, "start_s": round(s.start_s, 3),
                          "end_s": round(s.end_s, 3), "cadence_spm": s.cadence_spm}
                         for s in self.segments],
            "angles": {"time_s": [round(float(t), 6) for t in self.times],
                       **{a.label: col(self.angles[:, k]) for k, a in enumerate(ANGLES)}},
        }


@dataclass(frozen=True, eq=False)
class Analysis:
    settings: AnalysisSettings
    people: list[PersonAnalysis]
    events: list[events.Event]
    start_s: float
    end_s: float
    frames: int
    fps: float
    width: int
    height: int
    cutoff_used_hz: float
    short_tracks: int  # tracks left out as shorter than min_track_s
    # Analysed from a keypoint file that holds the standard body (a template
    # figure, not the person's landmarks): the report says so.
    standard_body: bool = False

    def to_json(self) -> dict:
        """The keypoint file's "analysis" value (README: keypoint files)."""
        return {
            "version": ANALYSIS_VERSION,
            "settings": {**asdict(self.settings), "cutoff_used_hz": round(self.cutoff_used_hz, 3)},
            "conventions": {a.label: a.measure for a in ANGLES},
            "short_tracks_left_out": self.short_tracks,
            "people": [p.to_json() for p in self.people],
            "events": [e.to_json() for e in self.events],
        }


def analyze_track(track: PersonTrack, settings: AnalysisSettings) -> PersonAnalysis:
    raw = angles_from_xy(track.xy)
    angles = lowpass(track.times, raw, settings.cutoff_hz)
    states = activity.smooth_states(track.times, activity.frame_states(track.times, track.xy))
    segs = activity.segments(track.times, states, track.xy)
    return PersonAnalysis(track.person_id, track.times, angles, states, segs,
                          range_of_motion(angles, track.times))


def analyze(builder: TrackBuilder, settings: AnalysisSettings = AnalysisSettings(),
            fps: float = 0.0) -> Analysis:
    frame_times = np.asarray(builder.frame_times, np.float64)
    start = float(frame_times[0]) if frame_times.size else 0.0
    rate = fps or sample_rate(frame_times)
    end = float(frame_times[-1] + (1.0 / rate if rate else 0.0)) if frame_times.size else 0.0
    people, found, short = [], [], 0
    for track in builder.tracks():
        seen = np.isfinite(track.xy[:, :, 0]).any(axis=1)
        duration = track.last_s - track.first_s + (1.0 / rate if rate else 0.0)
        if frame_times.size > 1 and (duration < settings.min_track_s or seen.sum() < 2):
            short += 1
            continue
        people.append(analyze_track(track, settings))
        found += events.falls(track.person_id, track.times, track.xy, track.confidence)
        found += events.presence_events(track.person_id, track.times, start,
                                        float(frame_times[-1]) if frame_times.size else 0.0)
    found.sort(key=lambda e: (e.time_s, e.person_id, e.kind))
    return Analysis(settings, people, found, start, end, len(frame_times), rate,
                    builder.width, builder.height,
                    effective_cutoff(settings.cutoff_hz, rate) if rate else settings.cutoff_hz,
                    short)


class AnalysisAccumulator:
    """Fed each emitted frame (`add`), analysed at the end (`finish`)."""

    def __init__(self, settings: AnalysisSettings = AnalysisSettings(), fps: float = 0.0) -> None:
        self.settings = settings
        self.fps = fps
        self._builder = TrackBuilder()

    def add(self, pose: PoseFrame, valid: np.ndarray | None = None) -> None:
        self._builder.add(pose, valid)

    def finish(self) -> Analysis:
        return analyze(self._builder, self.settings, self.fps)


def analyze_arrays(times, ids, arrays, width: int, height: int, fps: float = 0.0,
                   settings: AnalysisSettings = AnalysisSettings(),
                   standard_body: bool = False) -> Analysis:
    """The analysis of a keypoint file, from `keypoints_to_arrays` output;
    `standard_body`: the file holds the standard body, not the person's own."""
    result = analyze(builder_from_arrays(times, ids, arrays, width, height), settings, fps)
    return replace(result, standard_body=True) if standard_body else result
