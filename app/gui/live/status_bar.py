"""The window's status bar: the live source's figures (source, size, rates,
people) and, when the GPU was asked for and could not start, the device the
preview's pose model runs on, as permanent labels; and short notes that fade."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

FIELDS = ("source", "size", "capture", "inference", "people")
_TIPS = {"device": "Where the live preview's pose model runs, when not where the settings ask",
         "source": "Live source", "size": "Resolution",
         "capture": "Frames the source delivers per second",
         "inference": "Frames the pose model processes per second",
         "people": "People in the newest frame"}
NOTE_MS = 6000


class StatusBar:
    """Thread: GUI."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        bar.setSizeGripEnabled(False)
        # The device note first (leftmost): it is shown only when the live
        # preview's pose model runs elsewhere than asked.
        self.labels = {name: QLabel() for name in ("device", *FIELDS)}
        for name, label in self.labels.items():
            label.setToolTip(_TIPS[name])
            bar.addPermanentWidget(label)
        self.show_live("No live source", "", "", "", "")
        self.show_device("")

    def show_live(self, *texts: str) -> None:
        """The live figures, in FIELDS order; an empty one is hidden."""
        for name, text in zip(FIELDS, texts):
            self.labels[name].setText(text)
            self.labels[name].setVisible(bool(text))

    def show_device(self, note: str) -> None:
        """Where the live preview's pose model runs, when not where the
        settings ask ("Pose on the CPU: the GPU could not start (why)");
        hidden when empty."""
        self.labels["device"].setText(note)
        self.labels["device"].setVisible(bool(note))

    def tell(self, text: str, ms: int = NOTE_MS) -> None:
        self.bar.showMessage(text, ms)
