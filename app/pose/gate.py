"""The quality gate: a person is reported only when the evidence holds.

Wraps any estimator (plain or tiled) and filters what it finds, before the
people layer sees it, so every path (one worker, chunked workers, the live
preview, stills) gets the same gate. Per detection (app/pose/quality.py):

- in-frame presence under GHOST_PRESENCE, or proportions no body has:
  dropped, no further cost;
- in a video, a doubtful person (in-frame presence under SURE_PRESENCE;
  for a person followed from the previous frame, under FOLLOWED_PRESENCE),
  and, with tiles, a sure one the gate did not report in the previous frame,
  in every frame: re-checked in IMAGE mode on a window around them, and kept
  only when IMAGE mode finds the same person there. IMAGE mode detects from
  scratch, so it does not share VIDEO mode's latch onto clutter. A sure
  person on the whole frame costs nothing;
- a still: IMAGE mode already, so only doubtful people are re-checked.

Each decision depends only on this frame and on whom the gate reported in
the previous one, never on counters or older history, so two landmarker
passes that agree on a frame (the chunked workers' hand-over, app/engine/
chunked_pose.py) decide alike (tests/test_convert.py
test_parallel_chunks_match_single_worker).

The first frame of a shot (the first frame, timestamps going back, or
`new_shot()`) and stills get the stronger search (app/pose/search.py).
In a video, people VIDEO mode does not follow are followed in IMAGE mode
(MediaPipe runs its detector only while it tracks nobody): one reported in
the previous frame that `inner` has lost is looked for again in a window
around them, and once a second the frame, with everyone reported blacked
out, is searched for newcomers (`_follow_and_look`). That also depends only
on the previous frame and on the timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.pose.devices import RanOn, ran_on_all
from app.pose.merge import pose_boxes, same_person
from app.pose.protocol import PoseEstimating
from app.pose.quality import (
    FOLLOWED_PRESENCE,
    Verdict,
    box_iou,
    frame_presence,
    recheck_window,
    verdict,
)
from app.pose.search import (
    black_out,
    confirm_window,
    confirmed,
    exclusion_boxes,
    person_height_share,
    strong_search,
)
from app.pose.windows import ResizeFn, Tile, detect_in

FOLLOW_IOU = 0.3  # box overlap with a person of the previous frame: the same person
# A video is searched for newcomers once a second: on vtest.avi (10 fps)
# that cost 5 % more CPU, twice a second 9 %.
LOOK_EVERY_MS = 1000
# ...for people at least this share of the picture tall, and only those are
# followed: near the camera the detector finds them every time, so two
# passes over the same frames find them alike. A small distant walker is
# found one frame in several; following him made the chunked workers'
# passes differ for long stretches, and a seam lost him
# (tests/test_seams.py). Small people are the tiles' job.
FOLLOW_MIN_HEIGHT = 0.25


@dataclass(frozen=True)
class _Seen:
    """A person the gate reported: their landmarks and pixel box."""

    landmarks: np.ndarray
    box: np.ndarray


class GatedPoseEstimator:
    """The same detect/close/ran_on interface as PoseEstimator; belongs to the thread
    that created it. `inner` finds candidates (in VIDEO or IMAGE mode, as
    `video` says); the gate owns one IMAGE-mode landmarker for re-checks and
    searches, made when first needed, and closes both."""

    def __init__(self, inner, model_path, options, *, video: bool,
                 resize: ResizeFn | None = None) -> None:
        self.inner, self.model_path, self.options = inner, model_path, options
        self.video, self.resize = video, resize
        self.tiled = options.tile_grid is not None  # `inner` searches upscaled tiles
        self._checker: PoseEstimating | None = None
        self._last_ms: int | None = None
        self._kept: list[_Seen] = []
        self._shot_start = True
        self.rechecks = 0  # IMAGE-mode re-checks run (for benchmarks)
        self.searches = 0  # stronger searches run
        self.follows = 0  # people looked for again after `inner` lost them
        self.looks = 0  # blacked-out looks for newcomers

    def new_shot(self) -> None:
        """Forget who was there (a scene cut): the next frame is searched and
        everyone in it re-checked."""
        self._kept, self._shot_start = [], True

    def _image_estimator(self):
        if self._checker is None:
            from app.pose.estimator import PoseEstimator
            self._checker = PoseEstimator(self.model_path, self.options, video=False)
        return self._checker

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> np.ndarray:
        """Landmarks (people, 33, 5) of the people the evidence holds for."""
        height, width = rgb.shape[:2]
        # Timestamps going back: another stretch of video. (A jump forward is
        # not taken for a cut: live timestamps follow the wall clock, so a
        # slow frame would start a search, which makes the next one slow too.)
        if self.video and timestamp_ms is not None and self._last_ms is not None and (
                timestamp_ms < self._last_ms):
            self.new_shot()
        look = self._new_second(self._last_ms, timestamp_ms)
        self._last_ms = timestamp_ms
        found = self.inner.detect(rgb, timestamp_ms)
        searched = np.zeros(found.shape[0], bool)
        if not self.video or self._shot_start:
            found, searched = self._search(rgb, found)
        else:
            found, searched = self._follow_and_look(rgb, found, look)
        self._kept = [_Seen(person, box) for person, box, from_search
                      in zip(found, pose_boxes(found, width, height), searched)
                      if self._holds(rgb, person, box, bool(from_search))]
        self._shot_start = False
        if not self._kept:
            return found[:0]
        return np.stack([k.landmarks for k in self._kept])

    def _search(self, rgb: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The stronger search merged with what `inner` found; which rows
        came from the search (IMAGE mode: they are their own re-check)."""
        height, width = rgb.shape[:2]
        self.searches += 1
        extra = strong_search(self._image_estimator(), rgb, self.resize,
                              self.options.people_limit, None if self.video else found)
        if not self.video:
            return extra, np.ones(extra.shape[0], bool)
        # VIDEO mode's own copy of a person goes first: it is what the next
        # frames will follow.
        rows = list(found)
        from_search = [False] * len(rows)
        for person in extra:
            if not any(same_person(person, other, width, height) for other in found):
                rows.append(person)
                from_search.append(True)
        if not rows:
            return found, np.zeros(0, bool)
        merged = np.stack(rows)[:self.options.people_limit]
        return merged, np.array(from_search[:merged.shape[0]], bool)

    @staticmethod
    def _new_second(last_ms: int | None, ms: int | None) -> bool:
        """Whether this frame is the first of a new LOOK_EVERY_MS of video time:
        the look for newcomers is tied to the timestamps, not to a count of
        frames, so two passes over the same frames look at the same ones."""
        return ms is not None and last_ms is not None and ms // LOOK_EVERY_MS != (
            last_ms // LOOK_EVERY_MS)

    def _follow_and_look(self, rgb: np.ndarray, found: np.ndarray,
                         look: bool) -> tuple[np.ndarray, np.ndarray]:
        """What `inner` found, plus the people it does not follow.

        MediaPipe's VIDEO mode runs its person detector only while it tracks
        nobody: once it follows one person, a second one beside them (found
        by the shot's search, or walking in later) is never picked up. So a
        person the gate reported in the previous frame and `inner` has lost
        is looked for again in IMAGE mode in a window around where they
        were (followed); and when `look` (the first frame of every second,
        `_new_second`), the frame
        with everyone reported blacked out is searched in IMAGE mode for
        newcomers, each kept only when the untouched picture shows them in
        a window around them alone (app/pose/search.py `confirmed`). Rows
        from IMAGE mode are their own re-check."""
        height, width = rgb.shape[:2]
        limit = self.options.people_limit
        rows, from_image = list(found), [False] * len(found)
        boxes = list(pose_boxes(found, width, height))
        for seen in self._kept:
            if len(rows) >= limit:
                break
            if person_height_share(seen.landmarks) < FOLLOW_MIN_HEIGHT or any(
                    box_iou(seen.box, b) >= FOLLOW_IOU for b in boxes):
                continue  # small (module constants), or `inner` still has them
            self.follows += 1
            # Their own box with a margin, not the re-check's square twice
            # their size: that takes in a neighbour, and the window then
            # shows the neighbour instead (app/pose/search.py).
            window = confirm_window(seen.landmarks, width, height)
            again = [p for p in detect_in(self._image_estimator(), rgb, window, self.resize)
                     if verdict(p, width, height) is not Verdict.REJECT]
            if not again:
                continue  # gone (or hidden)
            box_of = list(pose_boxes(np.stack(again), width, height))
            best = max(range(len(again)), key=lambda i: box_iou(seen.box, box_of[i]))
            if box_iou(seen.box, box_of[best]) >= FOLLOW_IOU and not any(
                    same_person(again[best], other, width, height) for other in rows):
                rows.append(again[best])
                from_image.append(True)
                boxes.append(box_of[best])
        # Also when nobody is reported: a look that depended on who is would
        # let two passes over the same frames (the chunked workers) stay
        # apart; looking whatever the state, both find the same people
        # within a second, so their seam comes soon.
        if look and len(rows) < limit:
            reported = np.stack(rows) if rows else found[:0]
            for person in self._newcomers(rgb, reported, limit - len(rows)):
                rows.append(person)
                from_image.append(True)
        if not rows:
            return found, np.zeros(0, bool)
        return np.stack(rows), np.array(from_image, bool)

    def _newcomers(self, rgb: np.ndarray, reported: np.ndarray, room: int) -> list[np.ndarray]:
        """Confirmed people IMAGE mode finds with `reported` blacked out."""
        height, width = rgb.shape[:2]
        self.looks += 1
        checker = self._image_estimator()
        masked = (black_out(rgb, exclusion_boxes(reported, width, height))[0]
                  if len(reported) else rgb)
        out: list[np.ndarray] = []

        def known(person: np.ndarray) -> bool:
            return any(same_person(person, other, width, height) for other in [*reported, *out])

        for person in checker.detect(masked):
            if len(out) >= room:
                break
            if (person_height_share(person) < FOLLOW_MIN_HEIGHT
                    or verdict(person, width, height) is Verdict.REJECT or known(person)):
                continue
            copy = confirmed(checker, rgb, person, self.resize)
            if copy is not None and not known(copy):
                out.append(copy)
        return out

    def _holds(self, rgb: np.ndarray, person: np.ndarray, box: np.ndarray,
               from_search: bool) -> bool:
        """Whether the evidence holds for one detection."""
        height, width = rgb.shape[:2]
        v = verdict(person, width, height)
        if v is Verdict.REJECT:
            return False
        followed = self.video and any(box_iou(box, k.box) >= FOLLOW_IOU for k in self._kept)
        if v is Verdict.DOUBT:
            if followed and frame_presence(person) >= FOLLOWED_PRESENCE:
                return True  # followed, and well above any ghost
            return self._agrees(rgb, person)
        if from_search or not self.video or followed or not self.tiled:
            # Sure on the whole frame: ghosts there never measured near
            # SURE_PRESENCE, and a re-check of a sure newcomer missed about
            # one in six small real people, differently in two chunked
            # passes, so the seam-joined output lost people one pass kept.
            return True
        # Sure on an upscaled tile: the model invents sure-looking people on
        # texture there (tree.avi with 2x2 tiles), so a newcomer is re-checked.
        return self._agrees(rgb, person)

    def _agrees(self, rgb: np.ndarray, person: np.ndarray) -> bool:
        """Whether IMAGE mode, on a window around the person, finds them."""
        height, width = rgb.shape[:2]
        self.rechecks += 1
        window = Tile(*recheck_window(person, width, height))
        again = detect_in(self._image_estimator(), rgb, window, self.resize)
        return any(verdict(other, width, height) is not Verdict.REJECT
                   and same_person(person, other, width, height) for other in again)

    @property
    def ran_on(self) -> RanOn:
        """What `inner`'s landmarkers and the re-check one (once made) ran on."""
        return ran_on_all([self.inner] + ([self._checker] if self._checker is not None else []))

    def close(self) -> None:
        self.inner.close()
        checker, self._checker = self._checker, None
        if checker is not None:
            checker.close()

    def __enter__(self) -> GatedPoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

