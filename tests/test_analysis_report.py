"""The analysis as a user gets it: `posecloak convert --report` and
`posecloak analyze`, the CSVs and the keypoint JSON's "analysis", clean
failures, and the HTML report opened in a real headless browser (Chromium)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from app.analysis.angles import ANGLES
from tests.helpers.corpus import assert_clean_failure, leftovers, run_cli
from tests.helpers.motion_clips import FALL_START_S, write_fall_clip

SOURCE_NAME = "clip-qz7"  # must never appear in a report


@pytest.fixture(scope="module")
def converted(tmp_path_factory, media):
    folder = tmp_path_factory.mktemp("report")
    src = write_fall_clip(folder / f"{SOURCE_NAME}.mp4", media)
    out = folder / "out"
    # The person's own landmarks in the file (not the standard body), so that
    # analysing the file analyses what the conversion did.
    result = run_cli("convert", src, "--out-dir", out, "--report", "--keypoints", "json",
                     "--jobs", "1", "-q", "--no-standard-body")
    assert result.returncode == 0, result.stderr
    return src, out, result


def test_convert_report_writes_report_csvs_and_json_analysis(converted):
    _src, out, result = converted
    assert sorted(leftovers(out)) == sorted(
        f"{SOURCE_NAME}{s}" for s in ("_skeleton.mp4", "_skeleton.json", "_report.html",
                                      "_angles.csv", "_events.csv"))
    assert f"report -> {out / (SOURCE_NAME + '_report.html')}" in result.stdout
    with open(out / f"{SOURCE_NAME}_events.csv", newline="") as f:
        events = list(csv.DictReader(f))
    [fall] = [e for e in events if e["type"] == "fall"]
    assert float(fall["time_s"]) == pytest.approx(FALL_START_S, abs=0.14)
    with open(out / f"{SOURCE_NAME}_angles.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["time_s", "person_id", "activity", *(a.label for a in ANGLES)]
    assert rows[0]["activity"] == "standing" and rows[-1]["activity"] == "lying"
    lean = [float(r["trunk lean from vertical"]) for r in rows]
    assert lean[0] < 10 and lean[-1] > 80
    data = json.loads((out / f"{SOURCE_NAME}_skeleton.json").read_text())
    assert data["version"] == 4 and len(data["frames"]) == len(rows)
    analysis = data["analysis"]
    assert [e["type"] for e in analysis["events"]] == ["fall"]
    [person] = analysis["people"]
    assert person["rom"]["trunk lean from vertical"]["max"] > 80
    assert len(person["angles"]["time_s"]) == len(rows)
    assert float(fall["time_s"]) == analysis["events"][0]["time_s"]


def test_analyze_a_keypoint_file_gives_the_same_analysis(converted, tmp_path):
    _src, out, _ = converted
    keypoints = out / f"{SOURCE_NAME}_skeleton.json"
    result = run_cli("analyze", keypoints, "--out-dir", tmp_path, "--cutoff", "3")
    assert result.returncode == 0, result.stderr
    assert "(1 person, 1 fall)" in result.stdout
    name = f"{SOURCE_NAME}_skeleton"
    assert sorted(leftovers(tmp_path)) == sorted(f"{name}{s}" for s in
                                                 ("_report.html", "_angles.csv", "_events.csv"))
    events = (tmp_path / f"{name}_events.csv").read_text()
    assert events == (out / f"{SOURCE_NAME}_events.csv").read_text()  # same detector, same data
    assert "3 Hz asked" in (tmp_path / f"{name}_report.html").read_text()
    # A second run refuses to replace them; --overwrite does.
    again = run_cli("analyze", keypoints, "--out-dir", tmp_path)
    assert_clean_failure(again, contains="already exists")
    assert run_cli("analyze", keypoints, "--out-dir", tmp_path, "--overwrite").returncode == 0


def test_analyze_failures_are_one_line_and_leave_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "posecloak-keypoints", "version": 2, "frames": [')
    out = tmp_path / "out"
    out.mkdir()
    assert_clean_failure(run_cli("analyze", bad, "--out-dir", out), contains="bad.json")
    assert leftovers(out) == []
    assert_clean_failure(run_cli("analyze", tmp_path / "missing.json", "--out-dir", out),
                         contains="no such file")
    usage = run_cli("analyze", bad, "--cutoff", "0")
    assert usage.returncode == 2 and "--cutoff: must be between" in usage.stderr
    assert leftovers(out) == []


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_is_self_contained_and_renders_in_a_browser(converted, tmp_path):
    _src, out, _ = converted
    page = out / f"{SOURCE_NAME}_report.html"
    html = page.read_text()
    # Offline and private: nothing fetched, no picture, no source name.
    for marker in ("http:", "https:", "<script", "<img", "url(", "data:", "@import", "<link"):
        assert marker not in html.lower(), marker
    assert SOURCE_NAME not in html and ".mp4" not in html
    assert html.count("<svg") >= 4 and "Range of motion" in html and "Settings used" in html
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    shot = tmp_path / "report.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    "--window-size=1000,1400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.is_file(), "Chromium wrote no screenshot"
    from app.media.images import read_image
    image = read_image(shot).astype(int)
    assert image.shape[:2] == (1400, 1000)
    # The fall's red (events table and timeline mark), the lying band's
    # violet and the standing band's blue are drawn.
    for color in ((0xe5, 0x48, 0x4d), (0xb3, 0x6a, 0xe2), (0x4c, 0x9b, 0xe8)):
        close = (np.abs(image - np.array(color)).sum(axis=2) < 30).sum()
        assert close > 60, color
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120)
    assert len(re.findall(r"<polyline", dom.stdout)) >= 10  # the angle curves were parsed
