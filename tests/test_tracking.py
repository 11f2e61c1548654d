"""Person IDs: the assignment, the tracker's rules, and IDs on real footage."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.base.types import PoseFrame
from app.people.tracking import PersonTracker, TrackerOptions, assign
from tests.helpers.people_media import vtest_poses

W, H = 640, 480


def person(cx: float, cy: float, size: float = 100.0, seed: int = 0) -> np.ndarray:
    """A fake 33-landmark person (pixels centred on cx, cy) as a (33, 5) row."""
    shape = np.random.default_rng(seed).uniform(-0.5, 0.5, (33, 2)) * size
    lm = np.ones((33, 5), np.float32)
    lm[:, :2] = (shape + [cx, cy]) / [W, H]
    return lm


def frame(n: int, *people: np.ndarray) -> PoseFrame:
    lm = np.stack(people) if people else np.zeros((0, 33, 5), np.float32)
    return PoseFrame(index=n, time_s=n / 30, width=W, height=H, landmarks=lm)


def ids_at(pose: PoseFrame, x: float) -> int:
    """The ID of the person whose centre is nearest pixel column x."""
    centres = pose.pixels()[:, :, 0].mean(axis=1)
    return pose.ids[int(np.argmin(np.abs(centres - x)))]


def test_assignment_is_optimal_and_gated():
    rng = np.random.default_rng(5)
    for _ in range(200):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        cost = rng.random((n, m))
        pairs = assign(cost)
        assert len(pairs) == min(n, m)
        assert len({r for r, _ in pairs}) == len({c for _, c in pairs}) == len(pairs)
        if n <= m:
            best = min(sum(cost[i, p[i]] for i in range(n))
                       for p in itertools.permutations(range(m), n))
        else:
            best = min(sum(cost[p[j], j] for j in range(m))
                       for p in itertools.permutations(range(n), m))
        assert sum(cost[r, c] for r, c in pairs) == pytest.approx(best)
    # A greedy pick of the cheapest pair (0, 0) would force (1, 1) = 10.
    assert assign(np.array([[1.0, 2.0], [2.0, 10.0]])) == [(0, 1), (1, 0)]
    assert assign(np.array([[0.2, 5.0]]), max_cost=1.0) == [(0, 0)]
    assert assign(np.array([[5.0]]), max_cost=1.0) == []


def test_ids_follow_people_whatever_the_row_order():
    tracker = PersonTracker()
    a, b = 150.0, 450.0
    first = tracker.update(frame(0, person(a, 240, seed=1), person(b, 240, seed=2)))
    id_a, id_b = ids_at(first, a), ids_at(first, b)
    assert id_a != id_b
    for n in range(1, 20):
        a, b = a + 6, b - 6  # walking towards each other
        rows = [person(a, 240, seed=1), person(b, 240, seed=2)]
        pose = tracker.update(frame(n, *(rows[::-1] if n % 2 else rows)))  # MediaPipe reorders
        assert ids_at(pose, a) == id_a and ids_at(pose, b) == id_b
        assert list(pose.ids) == sorted(pose.ids)


def test_brief_miss_keeps_the_id_and_a_long_one_gets_a_new_id():
    # Without re-identification (tests/test_ids.py has it): the memory alone.
    tracker = PersonTracker(TrackerOptions(memory_frames=3, reidentify_s=0))
    x = 100.0
    n = 0
    pid = tracker.update(frame(n, person(x, 240))).ids[0]
    for gap in (1, 2, 3):  # missed frames (the walker keeps walking)
        for _ in range(gap):
            n, x = n + 1, x + 5
            tracker.update(frame(n))
        n, x = n + 1, x + 5
        assert tracker.update(frame(n, person(x, 240))).ids == (pid,)
    for _ in range(4):  # longer than the memory: the track is dropped
        n += 1
        tracker.update(frame(n))
    n += 1
    new = tracker.update(frame(n, person(x, 240))).ids[0]
    assert new != pid and new > pid  # IDs are never reused


def test_a_newcomer_gets_a_new_id_and_far_jumps_are_not_matched():
    tracker = PersonTracker()
    pid = tracker.update(frame(0, person(100, 240))).ids[0]
    pose = tracker.update(frame(1, person(102, 240), person(500, 240, seed=4)))
    assert ids_at(pose, 100) == pid and ids_at(pose, 500) not in (pid, -1)
    other = ids_at(pose, 500)
    # Someone of another size far from both is neither of them.
    pose = tracker.update(frame(2, person(104, 240), person(300, 60, size=30, seed=7)))
    assert ids_at(pose, 104) == pid
    assert ids_at(pose, 300) not in (pid, other) and ids_at(pose, 300) > other


def _centres(pose: PoseFrame) -> dict[int, np.ndarray]:
    px = pose.pixels()
    conf = (pose.landmarks[:, :, 3] >= 0.5) & (pose.landmarks[:, :, 4] >= 0.5)
    return {pid: px[r][conf[r]].mean(axis=0) if conf[r].sum() >= 3 else px[r].mean(axis=0)
            for r, pid in enumerate(pose.ids)}


def _sizes(pose: PoseFrame) -> dict[int, float]:
    px = pose.pixels()
    return {pid: float((px[r].max(axis=0) - px[r].min(axis=0)).max())
            for r, pid in enumerate(pose.ids)}


def _track(poses) -> list[PoseFrame]:
    tracker = PersonTracker()
    return [tracker.update(p) for p in poses]


def test_ids_are_stable_on_real_footage(vtest, model_path):
    """vtest.avi, 40 frames with tiles: every ID moves continuously (never
    jumps to another person), and most detections belong to long tracks."""
    tracked = _track(vtest_poses(vtest, model_path, True))
    counts: dict[int, int] = {}
    for prev, cur in zip(tracked, tracked[1:]):
        c0, c1, sizes = _centres(prev), _centres(cur), _sizes(cur)
        for pid in set(c0) & set(c1):
            assert np.linalg.norm(c1[pid] - c0[pid]) < 0.35 * sizes[pid], pid
    for pose in tracked:
        for pid in pose.ids:
            counts[pid] = counts.get(pid, 0) + 1
    detections = sum(counts.values())
    assert detections >= 2 * len(tracked)  # the segment really has several people
    long_lived = sum(c for c in counts.values() if c >= len(tracked) // 2)
    assert long_lived >= 0.8 * detections, counts


def test_a_person_hidden_for_two_frames_keeps_their_id(vtest, model_path):
    raw = vtest_poses(vtest, model_path, True)
    tracked = _track(raw)
    counts: dict[int, int] = {}
    for pose in tracked:
        for pid in pose.ids:
            counts[pid] = counts.get(pid, 0) + 1
    # Hide each of the steadiest people in turn for frames 15 and 16.
    steady = [pid for pid, c in counts.items() if c == len(tracked)][:3]
    assert steady
    for pid in steady:
        hidden = []
        for n, (r, t) in enumerate(zip(raw, tracked)):
            if n in (15, 16):  # drop that person's row from the detector's output
                mine = t.landmarks[t.ids.index(pid)]
                r = r.select([i for i in range(r.people)
                              if not np.array_equal(r.landmarks[i], mine)])
                assert r.people == t.people - 1
            hidden.append(r)
        again = _track(hidden)
        assert pid not in again[15].ids and pid not in again[16].ids
        for n in (14, 17, 25, len(again) - 1):
            a, b = _centres(tracked[n]), _centres(again[n])
            assert pid in b and np.allclose(a[pid], b[pid]), (pid, n)


def test_reconfigure_keeps_ids_when_hiding_someone():
    """Excluding a person by ID (a click in the live preview) must not restart
    tracking: the others keep their IDs and the hidden one stays hidden."""
    from dataclasses import replace as dc_replace

    from app.base.settings import PeopleSettings
    from app.base.types import PoseFrame
    from app.people.processor import PeopleProcessor

    def figure(x0: float) -> np.ndarray:
        lm = np.zeros((33, 5), np.float32)
        lm[:, 0] = x0 + 0.1 * (np.arange(33) % 5) / 5
        lm[:, 1] = 0.2 + 0.6 * np.arange(33) / 33
        lm[:, 3:] = 0.95
        return lm

    def frame(i: int, order: list[float]) -> PoseFrame:
        return PoseFrame(index=i, time_s=i / 30, width=640, height=480,
                         landmarks=np.stack([figure(x) for x in order]))

    processor = PeopleProcessor(PeopleSettings(), fps=30)
    for i in range(5):
        first = processor.push(frame(i, [0.1, 0.5, 0.8]))[0]
    ids_by_x = {round(float(first.landmarks[r, 0, 0]), 1): first.ids[r] for r in range(3)}
    hidden = ids_by_x[0.5]
    processor.reconfigure(dc_replace(processor.options, exclude_ids=frozenset({hidden})))
    # Rows now arrive in another order: tracking, not row order, decides IDs.
    after = processor.push(frame(5, [0.8, 0.5, 0.1]))[0]
    assert hidden not in after.ids and after.people == 2
    assert {round(float(after.landmarks[r, 0, 0]), 1): after.ids[r]
            for r in range(2)} == {0.1: ids_by_x[0.1], 0.8: ids_by_x[0.8]}
