"""Words the CLI and the app show."""

from app.base.text import count_of, format_duration


def test_counts_agree_with_their_nouns():
    assert count_of(1, "person") == "1 person"
    assert count_of(0, "person") == "0 people" and count_of(3, "person") == "3 people"
    assert count_of(1, "fall") == "1 fall" and count_of(2, "fall") == "2 falls"


def test_durations():
    assert format_duration(None) == "--:--"
    assert format_duration(65) == "1:05" and format_duration(3723) == "1:02:03"
