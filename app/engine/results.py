"""What a conversion reports: progress while it runs, the result after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.base.text import count_of
from app.pose.devices import NOWHERE, RanOn


@dataclass(frozen=True)
class Progress:
    frames_done: int
    frames_total: int
    elapsed_s: float

    @property
    def fps(self) -> float:
        return self.frames_done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def fraction(self) -> float:
        if self.frames_total <= 0:
            return 0.0
        return min(1.0, self.frames_done / self.frames_total)

    @property
    def eta_s(self) -> float | None:
        if self.frames_total <= 0 or self.fps <= 0:
            return None
        return max(0.0, (self.frames_total - self.frames_done) / self.fps)


@dataclass(frozen=True)
class ConvertResult:
    source: Path
    output: Path
    keypoints: tuple[Path, ...]
    frames: int
    duration_s: float
    elapsed_s: float
    max_people: int
    corrupt_packets: int
    audio: bool
    jobs: int
    video_end_s: float = 0.0  # where the last converted frame ends (presentation time)
    analysis: object = None  # app.analysis.analysis.Analysis, when one was made
    video_start_s: float = 0.0  # presentation time of the first frame (kept in the output)
    frames_without_people: int = 0  # frames where no person has a valid landmark
    still: bool = False  # a picture, not a video
    tiles_note: str | None = None  # why tiles (auto) did nothing, if they did not
    scene_cuts: int = 0  # cuts found in the video; no person ID crosses one
    ran_on: RanOn = NOWHERE  # what this conversion's landmarkers ran on

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def ends_early(self) -> bool:
        """True when the video stops well before the file's declared length:
        a file cut off mid-stream (the readable part is still converted)."""
        if self.duration_s <= 0 or self.frames == 0:
            return False
        length = self.video_end_s - self.video_start_s
        step = length / self.frames
        return length < self.duration_s - max(0.5, 2 * step)

    @property
    def device_note(self) -> str | None:
        """"ran on the CPU: the GPU could not start (why)" when the GPU was
        asked for and this conversion's landmarkers started on the CPU."""
        return self.ran_on.cpu_note("ran")

    @property
    def nobody_note(self) -> str | None:
        """"no person found in 30 of 250 frames" (or "no person found" for a
        still), or None when every frame shows someone."""
        if not self.frames_without_people:
            return None
        if self.still:
            return "no person found"
        return f"no person found in {self.frames_without_people} of {self.frames} frames"

    def notes(self) -> list[str]:
        """What a user should know about a successful conversion."""
        out = [note for note in (self.device_note, self.nobody_note, self.tiles_note) if note]
        if self.scene_cuts:
            # Said because a person seen in two shots gets two IDs.
            out.append(f"{count_of(self.scene_cuts, 'scene cut')} (person IDs restart at each)")
        if self.corrupt_packets:
            out.append(f"{self.corrupt_packets} damaged packet(s) skipped")
        if self.ends_early:
            out.append(f"the video ends at {self.video_end_s:.1f} s of the file's "
                       f"{self.duration_s:.1f} s: the file looks truncated")
        return out


ProgressFn = Callable[[Progress], None]
