"""The hint to turn on "Find distant people": shown once, in the status bar,
when the live picture is wide and the people found in it are small or few
(app/people/distance.py; small people are the ones the default detector
misses in a crowd)."""

from __future__ import annotations

from collections.abc import Callable

from app.base.types import PoseFrame
from app.people.distance import DistanceCheck
from app.studio.app_state import AppState

HINT = ("Few or only small people found: if people are far from the camera, turn on "
        "People \u25b8 \u201cFind distant people\u201d to find more of them.")
HINT_MS = 20000


class DistantPeopleAdvisor:
    """Thread: GUI. `tell(text, ms)` shows the hint; `shown` once it was."""

    def __init__(self, state: AppState, tell: Callable[[str, int], None]) -> None:
        self.state, self.tell = state, tell
        self.check = DistanceCheck()
        self.shown = False

    def restart(self) -> None:
        """A new live session: judge its pictures afresh (the hint stays shown once)."""
        self.check = DistanceCheck()

    def add(self, pose: PoseFrame) -> None:
        if self.shown or self.state.settings.detection.tiles is not None or self.check.judged:
            return
        self.check.add(pose)
        if self.check.looks_distant:
            self.shown = True
            self.tell(HINT, HINT_MS)
