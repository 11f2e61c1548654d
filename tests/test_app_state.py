"""The app's state without Qt: panels change it through its methods and
every observer hears of it (the window among them), with who changed it."""

from app.base.settings import DetectionSettings
from app.studio.app_state import EVERYTHING, AppState
from app.studio.studio_settings import StudioSettings


def test_edits_reach_every_observer_once_with_their_origin():
    state = AppState(StudioSettings())
    heard = []
    state.observe(lambda s, changed, origin: heard.append(("a", changed, origin)))
    state.observe(lambda s, changed, origin: heard.append(("b", changed, origin)))
    panel = object()
    state.edit(origin=panel, detection=DetectionSettings(tiles="auto"), offline=True)
    assert state.settings.detection.tiles == "auto" and state.settings.offline
    assert state.settings.skeleton.detection.people_limit == 16  # the skeleton settings changed
    assert heard == [("a", frozenset({"detection", "offline"}), panel),
                     ("b", frozenset({"detection", "offline"}), panel)]
    state.edit(offline=True)  # no change: nobody is bothered
    assert len(heard) == 2


def test_people_can_be_left_out_and_shown_again_and_presets_replace_all():
    state = AppState(StudioSettings())
    changes = []
    state.observe(lambda s, changed, origin: changes.append(changed))
    state.exclude_person(3)
    state.exclude_person(5)
    assert state.settings.people.exclude_ids == {3, 5}
    state.clear_exclusions()
    assert state.settings.people.exclude_ids == frozenset()
    state.replace(StudioSettings(theme="dark"))
    assert changes[-1] == EVERYTHING and state.settings.theme == "dark"
