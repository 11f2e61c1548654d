"""A camera stand-in for tests: given pictures delivered at a camera's pace,
with simulated outages and driver failures."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import numpy as np

from app.base.types import Frame
from app.media.sources import PacedSource, SourceInfo, SourceUnavailable


class SyntheticSource(PacedSource):
    """Loops given RGB pictures at `fps` like a camera would deliver them.

    `outage` (start_s, end_s), seconds after the first frame was delivered:
    reads in that window raise SourceUnavailable, as an unplugged camera
    does; `fail_after` frames delivered, reads raise RuntimeError (a broken
    driver), for tests of error handling.
    """

    def __init__(self, images: Sequence[np.ndarray], fps: float = 30.0, *,
                 name: str = "Synthetic camera", outage: tuple[float, float] | None = None,
                 fail_after: int | None = None) -> None:
        super().__init__(name, loop=True)
        if not images:
            raise ValueError("a synthetic source needs at least one picture")
        self._images = [np.ascontiguousarray(i) for i in images]
        self._fps = fps
        self._outage = outage
        self._fail_after = fail_after
        self._first_at: float | None = None
        self.delivered = 0

    def _open(self) -> SourceInfo:
        h, w = self._images[0].shape[:2]
        return SourceInfo(self.name, w, h, self._fps, seekable=True,
                          duration_s=len(self._images) / self._fps)

    def _iterate(self, start_s: float) -> Iterator[Frame]:
        first = int(round(start_s * self._fps))
        for i in range(first, len(self._images)):
            yield Frame(i, i / self._fps, self._images[i])

    def _check_available(self, frame: Frame) -> None:
        now = time.monotonic()
        if self._first_at is None:
            self._first_at = now
        if self._outage is not None and self._outage[0] <= now - self._first_at < self._outage[1]:
            raise SourceUnavailable(f"{self.name} stopped sending pictures.")
        if self._fail_after is not None and self.delivered >= self._fail_after:
            raise RuntimeError(f"{self.name}: simulated driver failure")
        self.delivered += 1
