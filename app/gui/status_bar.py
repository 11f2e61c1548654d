"""The window's status bar: the live source's figures (source, size, rates,
people) as permanent labels, and short notes that fade."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

FIELDS = ("source", "size", "capture", "inference", "people")
_TIPS = {"source": "Live source", "size": "Resolution",
         "capture": "Frames the source delivers per second",
         "inference": "Frames the pose model processes per second",
         "people": "People in the newest frame"}
NOTE_MS = 6000


class StatusBar:
    """Thread: GUI."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        bar.setSizeGripEnabled(False)
        self.labels = {name: QLabel() for name in FIELDS}
        for name, label in self.labels.items():
            label.setToolTip(_TIPS[name])
            bar.addPermanentWidget(label)
        self.show_live("No live source", "", "", "", "")

    def show_live(self, *texts: str) -> None:
        """The live figures, in FIELDS order; an empty one is hidden."""
        for name, text in zip(FIELDS, texts):
            self.labels[name].setText(text)
            self.labels[name].setVisible(bool(text))

    def tell(self, text: str, ms: int = NOTE_MS) -> None:
        self.bar.showMessage(text, ms)
