"""Settings and presets survive a new window; a missing model in offline
mode is a message, not a crash."""

from __future__ import annotations

from dataclasses import replace

from app.base.settings import FitMode
from tests.gui.conftest import close_dialogs, open_window, window_threads_ended


def test_settings_persist_across_a_new_window(qtbot, store, out_dir, tmp_path):
    first = open_window(qtbot, store, out_dir, wait_model=False)
    first.style_panel.thickness.slider.setValue(first.style_panel.thickness.slider.maximum())
    first.style_panel.face.click()  # off
    first.people_panel.tiles.click()  # on
    first.people_panel.only_largest.click()
    first.people_panel.smoothing.set_value(0.8)
    first.people_panel.smoothing.value_changed.emit(0.8)
    first.background_panel.color.set_color((10, 20, 30), notify=True)
    first.background_panel.fit.setCurrentIndex(first.background_panel.fit.findData(FitMode.FILL))
    first.export_panel.csv.click()
    first.export_panel.device.setCurrentIndex(first.export_panel.device.findData("gpu"))
    first.offline_action.trigger()
    first.exclude_person(3)  # IDs belong to one session: not kept
    first.save_preset("Bold & bright")
    expected = first.settings
    first.close()
    window_threads_ended(first)

    second = open_window(qtbot, store, wait_model=False)
    s = second.settings
    assert s == expected.edited(people=replace(expected.people, exclude_ids=frozenset()))
    assert s.style.thickness == 20 and not s.style.show_face
    assert s.detection.device == "gpu"
    assert s.detection.tiles == "auto" and s.people.only_largest and s.people.smoothing == 0.8
    assert s.background.color == (10, 20, 30) and s.background.fit is FitMode.FILL
    assert s.keypoints == ("json", "csv") and s.offline and s.output_dir == str(out_dir)
    # The controls show the restored values.
    assert second.style_panel.thickness.value() == 20
    assert not second.style_panel.face.isChecked()
    assert second.people_panel.tiles.isChecked()
    assert second.export_panel.csv.isChecked()
    assert second.export_panel.device.currentData() == "gpu"
    assert second.offline_action.isChecked() and second.export_panel.offline.isChecked()
    # The preset is offered and brings its look back.
    presets = [second.presets.itemText(i) for i in range(second.presets.count())]
    assert "Bold & bright" in presets
    second.style_panel.thickness.slider.setValue(3)  # 0, 0.5, 1, 1.5 px
    assert second.settings.style.thickness == 1.5
    second.presets.setCurrentIndex(presets.index("Bold & bright"))
    second.presets.activated.emit(presets.index("Bold & bright"))
    assert second.settings.style.thickness == 20
    assert second.style_panel.thickness.value() == 20
    second.close()
    window_threads_ended(second)


def test_damaged_settings_file_falls_back_to_defaults(qtbot, store):
    from app.studio.studio_settings import StudioSettings
    store.set_value("session/settings", '{"style": {"thickness": -4, "color": "nope"}, "jobs": "x"')
    window = open_window(qtbot, store, wait_model=False)
    assert window.settings == StudioSettings()
    window.close()
    window_threads_ended(window)


def test_missing_model_offline_is_a_message(qtbot, store, monkeypatch, tmp_path):
    import app.pose.model as model
    monkeypatch.delenv("POSECLOAK_MODEL", raising=False)
    monkeypatch.setattr(model, "bundled_dirs", lambda: [tmp_path / "none"])
    monkeypatch.setattr(model, "cache_dir", lambda: tmp_path / "cache")
    from app.studio.studio_settings import StudioSettings
    store.save(replace(StudioSettings(), offline=True))
    window = open_window(qtbot, store, wait_model=False)
    with qtbot.waitSignal(window.model_failed, timeout=20000) as failed:
        pass
    assert "offline" in failed.args[0]
    assert window.model_path is None and window.isVisible()
    assert "No pose model" in window.export_panel.model_label.text()
    texts = close_dialogs(window)
    assert texts and "offline" in texts[0]
    # Starting the live preview without a model explains itself.
    window.live.source_bar.set_file(tmp_path / "clip.mp4")
    window.live.source_bar.start.click()
    assert not window.live.running
    assert any("pose model" in t for t in close_dialogs(window))
    assert not list(tmp_path.rglob("*.task"))  # nothing was downloaded
    window.close()
    window_threads_ended(window)
