"""People options end to end through the CLI (real model, real media), and
the PeopleProcessor's look-ahead, interpolation and filters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.base.settings import PeopleSettings
from app.base.style import RenderStyle
from app.base.types import PoseFrame
from app.cli.main import main as cli_main
from app.draw.render import SkeletonRenderer, visible_mask
from app.media.keypoints import read_keypoints
from app.media.video import iter_frames
from app.people.processor import GapFiller, PeopleProcessor
from tests.helpers.clips import write_clip
from tests.helpers.people_media import two_people_image, vtest_images

FRAMES = 16


def convert(src: Path, out: Path, *extra: str) -> dict:
    """Runs `posecloak convert` and returns the keypoint JSON."""
    kp = out.with_suffix(".json")
    code = cli_main(["convert", str(src), "-o", str(out), "--keypoints", str(kp), "-q",
                     "--overwrite", "--jobs", "1", "--no-audio", *extra])
    assert code == 0
    return read_keypoints(kp)


def ids_per_frame(data: dict) -> list[list[int]]:
    return [[p["id"] for p in f["people"]] for f in data["frames"]]


def centre_x(person: dict) -> float:
    xs = [lm["x"] for lm in person["landmarks"] if lm["valid"]]
    return float(np.mean(xs))


@pytest.fixture(scope="module")
def two_people(tmp_path_factory, media) -> Path:
    """16 frames of two people side by side (the left one larger)."""
    image = two_people_image(media)
    rng = np.random.default_rng(0)
    frames = [np.clip(image + rng.normal(0, 2, image.shape), 0, 255).astype(np.uint8)
              for _ in range(FRAMES)]
    return write_clip(tmp_path_factory.mktemp("two") / "two.mp4", frames)


@pytest.fixture(scope="module")
def two_people_plain(tmp_path_factory, two_people) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("plain") / "plain.mp4"
    return convert(two_people, out, "--max-people", "4"), out


def _skeleton_pixels(video: Path, x0: int, x1: int) -> int:
    """Bright pixels in columns [x0, x1) over all frames (background is black)."""
    return sum(int((f.image[:, x0:x1].max(axis=2) > 80).sum()) for f in iter_frames(video))


def test_two_people_get_two_stable_ids(two_people_plain):
    data, _ = two_people_plain
    ids = ids_per_frame(data)
    assert all(sorted(i) == [0, 1] for i in ids), ids
    for frame in data["frames"]:  # each ID stays on its side
        left = min(frame["people"], key=centre_x)["id"]
        assert left == min(data["frames"][0]["people"], key=centre_x)["id"]


def test_exclude_id_hides_the_person_in_video_and_keypoints(tmp_path, two_people,
                                                            two_people_plain):
    data, plain_video = two_people_plain
    first = data["frames"][0]["people"]
    left_id = min(first, key=centre_x)["id"]
    right_id = max(first, key=centre_x)["id"]
    width = data["video"]["width"]
    split = int(np.mean([centre_x(p) for p in first]))
    out = tmp_path / "hidden.mp4"
    hidden = convert(two_people, out, "--max-people", "4", "--exclude-id", str(left_id))
    assert all(i == [right_id] for i in ids_per_frame(hidden))
    assert _skeleton_pixels(plain_video, 0, split) > 1000  # the left person was drawn ...
    assert _skeleton_pixels(out, 0, split) == 0  # ... and now is not
    assert _skeleton_pixels(out, split, width) > 1000  # the other one still is


def test_only_largest_keeps_the_main_subject(tmp_path, two_people, two_people_plain):
    data, _ = two_people_plain
    left_id = min(data["frames"][0]["people"], key=centre_x)["id"]
    only = convert(two_people, tmp_path / "only.mp4", "--max-people", "4", "--only-largest")
    assert all(i == [left_id] for i in ids_per_frame(only))


def test_low_confidence_landmarks_are_flagged_and_not_drawn(tmp_path, carphone):
    """carphone shows a head and shoulders: the body below is unsure. Those
    landmarks are exported (with positions) as valid = false, and nothing is
    drawn at them."""
    out = tmp_path / "car.mp4"
    data = convert(carphone, out, "--min-confidence", "0.5", "--radius", "6")
    flagged = 0
    for frame in data["frames"]:
        for person in frame["people"]:
            for lm in person["landmarks"]:
                sure = lm["visibility"] >= 0.5 and lm["presence"] >= 0.5
                assert lm["valid"] == sure
                assert lm["x"] is not None  # kept, with its flag
                flagged += not lm["valid"]
    assert flagged > 0
    # Draw what should be visible (valid only) and compare with the video:
    # an invalid landmark well away from everything drawn must be dark.
    style = RenderStyle(joint_radius=6)
    renderer = SkeletonRenderer(style)
    checked = 0
    w, h = data["video"]["width"], data["video"]["height"]
    for frame, image in zip(data["frames"], (f.image for f in iter_frames(out))):
        lm = np.array([[[p["x_norm"], p["y_norm"], p["z"], p["visibility"], p["presence"]]
                        for p in person["landmarks"]] for person in frame["people"]],
                      np.float32).reshape(-1, 33, 5)
        pose = PoseFrame(index=0, time_s=0.0, width=w, height=h, landmarks=lm)
        expected = renderer.render(np.zeros((h, w, 3), np.uint8), pose).max(axis=2) > 0
        near = np.zeros_like(expected)
        ys, xs = np.nonzero(expected)
        for y, x in zip(ys, xs):  # dilate by 4 px (H.264 blurs edges)
            near[max(0, y - 4):y + 5, max(0, x - 4):x + 5] = True
        mask = visible_mask(pose, style)
        px = pose.pixels()
        for p, i in zip(*np.nonzero(~mask)):
            x, y = int(px[p, i, 0]), int(px[p, i, 1])
            if 3 <= x < w - 3 and 3 <= y < h - 3 and not near[y - 3:y + 4, x - 3:x + 4].any():
                assert image[y - 1:y + 2, x - 1:x + 2].max() < 60, (frame["index"], i)
                checked += 1
    assert checked > 0


def _frames_with_gap(image: np.ndarray, start: int, length: int, total: int = 20):
    blank = np.zeros_like(image)
    return [blank if start <= n < start + length else image for n in range(total)]


@pytest.mark.parametrize("gap,n,filled", [(2, 4, True), (2, 2, False), (5, 4, False)])
def test_interpolation_fills_short_gaps_only(tmp_path, media, gap, n, filled):
    """The person vanishes for `gap` frames (black frames); with
    --interpolate-gaps N the gap is filled when gap < N."""
    from app.media.images import read_image
    image = read_image(media / "basketball1.png")[:, :320]
    src = write_clip(tmp_path / "gap.mp4", _frames_with_gap(image, 8, gap))
    data = convert(src, tmp_path / "out.mp4", "--interpolate-gaps", str(n))
    ids = ids_per_frame(data)
    assert len(ids) == 20
    assert ids[7] == [0] and ids[8 + gap] == [0]
    for k in range(8, 8 + gap):
        if not filled:
            assert ids[k] == []
            continue
        assert ids[k] == [0]
        before = data["frames"][7]["people"][0]["landmarks"]
        after = data["frames"][8 + gap]["people"][0]["landmarks"]
        now = data["frames"][k]["people"][0]["landmarks"]
        t = (k - 7) / (gap + 1)
        for a, b, c in zip(before, after, now):
            if a["valid"] and b["valid"]:
                assert c["valid"]
                assert c["x"] == pytest.approx((1 - t) * a["x"] + t * b["x"], abs=0.05)


def _fake(n: int, conf: np.ndarray | None = None, people: int = 1) -> PoseFrame:
    lm = np.ones((people, 33, 5), np.float32)
    lm[:, :, 0] = 0.2 + 0.01 * n + np.linspace(0, 0.1, 33) + 0.5 * np.arange(people)[:, None]
    lm[:, :, 1] = np.linspace(0.3, 0.7, 33)
    if conf is not None:
        lm[0, :, 3] = conf
    return PoseFrame(index=n, time_s=n / 30, width=640, height=480, landmarks=lm)


def test_landmark_gaps_shorter_than_n_are_filled_and_marked_valid():
    """Landmark 15 (left wrist) is unsure in frames 3-4 (filled, N=3) and in
    frames 8-11 (too long: stays invalid); output count and order = input."""
    proc = PeopleProcessor(PeopleSettings(interpolate_gaps=3))
    out = []
    for n in range(16):
        conf = np.ones(33)
        if n in (3, 4) or 8 <= n <= 11:
            conf[15] = 0.1
        out += proc.push(_fake(n, conf))
        assert len(out) >= n + 1 - 2  # at most N - 1 frames held back
    out += proc.flush()
    assert [p.index for p in out] == list(range(16))
    style = RenderStyle()
    shown = np.array([visible_mask(p, style)[0, 15] for p in out])
    assert shown[[3, 4]].all() and not shown[8:12].any() and shown[[2, 5, 7, 12]].all()
    x = np.array([p.landmarks[0, 15, 0] for p in out])
    assert x[3] == pytest.approx(x[2] + (x[5] - x[2]) / 3, abs=1e-6)
    assert x[4] == pytest.approx(x[2] + 2 * (x[5] - x[2]) / 3, abs=1e-6)


def test_gap_filler_without_gaps_holds_nothing_back():
    filler = GapFiller(0)
    pose = _fake(0)
    assert filler.push(pose) == [pose] and filler.flush() == []


def test_filters_apply_after_tracking_so_ids_stay_put():
    """Excluding ID 0 leaves the other person with the ID they had anyway."""
    both = PeopleProcessor(PeopleSettings())
    hide = PeopleProcessor(PeopleSettings(exclude_ids=frozenset({0})))
    for n in range(5):
        a = both.push(_fake(n, people=2))[0]
        b = hide.push(_fake(n, people=2))[0]
        assert a.ids == (0, 1) and b.ids == (1,)
        assert np.array_equal(a.landmarks[1], b.landmarks[0])


def test_tiles_option_finds_more_people_through_the_cli(tmp_path, vtest):
    images = [rgb for _, rgb in vtest_images(vtest)[:6]]
    src = write_clip(tmp_path / "crowd.mp4", images, rate=10)
    plain = convert(src, tmp_path / "a.mp4", "--max-people", "16")
    tiled = convert(src, tmp_path / "b.mp4", "--max-people", "16", "--tiles", "auto")
    count = lambda d: sum(len(f["people"]) for f in d["frames"])  # noqa: E731
    assert count(tiled) >= max(6, 3 * count(plain))
