"""Where landmarkers ran: a small immutable tally.

Each PoseEstimator knows its own device and, when the GPU was asked for and
could not start, why. Wrappers add up the tallies of the landmarkers they
hold (a tiled estimator's tiles, the gate's IMAGE-mode checker, a shot
estimator's landmarker of each shot, every chunked worker's), so a
conversion says what *its* landmarkers ran on, not what some other
landmarker of the process once did. Read `ran_on` before closing an
estimator: a closed wrapper lets go of its landmarkers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RanOn:
    """How many landmarkers started on each device, and why those asked for
    the GPU started on the CPU (each reason once, the first first)."""

    gpu: int = 0
    cpu: int = 0  # asked for, or fallen back to
    fallbacks: tuple[str, ...] = ()

    def __add__(self, other: RanOn) -> RanOn:
        new = tuple(reason for reason in other.fallbacks if reason not in self.fallbacks)
        return RanOn(self.gpu + other.gpu, self.cpu + other.cpu, self.fallbacks + new)

    def cpu_note(self, lead: str) -> str | None:
        """`lead` + " on the CPU: the GPU could not start (why)" when a
        landmarker asked for the GPU started on the CPU ("partly on the
        CPU" when others did start on the GPU); None when none fell back.
        `cpu_note("ran")` is a conversion's note."""
        if not self.fallbacks:
            return None
        where = "partly on the CPU" if self.gpu else "on the CPU"
        return f"{lead} {where}: the GPU could not start ({'; '.join(self.fallbacks)})"


NOWHERE = RanOn()  # no landmarker (yet)


def ran_on_all(estimators: Iterable[Any]) -> RanOn:
    """The tallies of several estimators added up."""
    return sum((e.ran_on for e in estimators), NOWHERE)
