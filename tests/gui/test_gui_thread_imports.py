"""Nothing is first imported on the GUI thread while the app runs a live
preview and an export: each such import blocks the event loop for as long
as it takes (pyqtgraph about a second, NumPy's `numpy.ma` 40-70 ms at the
first live frame, the Analysis view's module at the first finished export).
In a fresh process, since earlier tests imported everything in this one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_live_preview_and_an_export_import_nothing_on_the_gui_thread(tmp_path, short_vtest):
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "tests.helpers.gui_thread_imports",
                           str(short_vtest), str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["exported"] and seen["frames_shown"] >= 5, seen
    assert seen["imports"] == [], f"imported on the GUI thread: {seen['imports']}"
