"""Model readiness in the app: finds (or downloads) the pose model off the
GUI thread, tells the user in plain words when there is none, and offers
"Choose model file..." and "Retry download" (in a dialog and in the Export
panel). A chosen file is saved in the app's settings (StudioSettings.model_path)
and used by the live preview and every export from then on."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.base.errors import ModelError, PoseCloakError
from app.gui.shell.tasks import run_in_pool
from app.studio.app_state import AppState

CHOOSE_TEXT = "Choose model file\u2026"
RETRY_TEXT = "Retry download"
MODEL_SIZE = "9 MB"  # pose_landmarker_full.task, the default variant


class ModelProblem(PoseCloakError):
    """Why there is no model, in words for people (the dialog's text)."""


def words_for_people(exc: ModelError, chosen: Path | None) -> str:
    """The model failure as a sentence for someone who has never heard of an
    errno or an environment variable; says what they can do."""
    from app.pose.model import ModelDownloadFailed, ModelOffline
    needs = f"PoseCloak needs its pose model ({MODEL_SIZE})"
    if isinstance(exc, ModelOffline):
        return (f"{needs}, and offline mode is on, so it was not downloaded. Choose a model "
                "file you have, or turn offline mode off (Settings menu) and try again.")
    if isinstance(exc, ModelDownloadFailed):
        return (f"{needs} and could not download it: {exc.reason}. Choose a model file you "
                "have, or try again when you are online.")
    if chosen is not None and not chosen.is_file():
        return (f"The model file you chose ({chosen.name}) is no longer in {chosen.parent}. "
                "Choose it again, or retry the download.")
    if chosen is not None:
        return (f"The model file {chosen.name} cannot be used: it is not a pose model "
                "(a pose_landmarker .task file) or it is damaged. Choose another file.")
    message = str(exc)
    return f"{message[:1].upper()}{message[1:]}"


class ModelController(QObject):
    """Thread: GUI. `ready(path)` once a model is loaded, `failed(words)`
    when there is none; `path` is the model in use (None before)."""

    ready = Signal(object)  # Path
    failed = Signal(str)
    text_changed = Signal(str)  # the Export panel's model line

    def __init__(self, state: AppState, parent: QWidget, explicit: Path | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.parent_widget = parent
        self.explicit = explicit  # --model on the command line wins over the saved choice
        self.path: Path | None = None
        self.file_dialog: QFileDialog | None = None
        self.closing = False

    @property
    def chosen(self) -> Path | None:
        """The file the user chose (saved with the settings), if any."""
        saved = self.state.settings.model_path
        return Path(saved).expanduser() if saved else None

    def resolve(self) -> None:
        """Finds (or downloads, unless offline) and loads the model off the GUI thread."""
        self._look(self.explicit or self.chosen, remember=None)

    def retry_download(self) -> None:
        """Looks again without the chosen file (downloading unless offline);
        once that works, a chosen file that failed is forgotten."""
        self._look(self.explicit, remember="")

    def use_file(self, path: Path) -> None:
        """Uses `path` (checked and loaded first); remembered once it works."""
        self._look(Path(path), remember=str(path))

    def choose_file(self) -> QFileDialog:
        """Opens the file chooser (Qt's own dialog, not the platform's, so it
        looks the same everywhere and tests can drive it); non-blocking."""
        dialog = QFileDialog(self.parent_widget, "Choose the pose model file")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(["Pose models (*.task)", "All files (*)"])
        if self.chosen is not None:
            dialog.setDirectory(str(self.chosen.parent))
        dialog.fileSelected.connect(lambda name: self.use_file(Path(name)))
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _look(self, explicit: Path | None, *, remember: str | None) -> None:
        """`remember`: what to save as the chosen file once a model is ready
        (None: leave the saved choice as it is)."""
        from app.engine.model_ready import ready_model
        offline = True if self.state.settings.offline else None
        self.text_changed.emit("Looking for the pose model\u2026")

        def find() -> Path:
            try:
                return ready_model(explicit, offline=offline)
            except ModelError as exc:
                raise ModelProblem(words_for_people(exc, explicit)) from None

        run_in_pool(find, lambda path: self._on_ready(path, remember), self._on_failed)

    def _on_ready(self, path: Path, remember: str | None) -> None:
        if self.closing:
            return
        self.path = path
        if remember is not None:
            self.state.edit(model_path=remember)
        self.text_changed.emit(f"Using {path.name}\n{path.parent}")
        self.ready.emit(path)

    def _on_failed(self, words: str) -> None:
        if self.closing:
            return
        if self.path is None:
            self.text_changed.emit(f"No pose model: {words}")
        else:  # a chosen file failed: the model in use stays
            self.text_changed.emit(f"Using {self.path.name}\n{self.path.parent}")
        self.failed.emit(words)

    def problem_dialog(self, words: str) -> QMessageBox:
        """A non-modal dialog with the two ways out. The caller shows it."""
        title = "No pose model" if self.path is None else "Model file not used"
        box = QMessageBox(QMessageBox.Icon.Warning, title, words,
                          QMessageBox.StandardButton.Close, self.parent_widget)
        box.setObjectName("ModelDialog")
        choose = box.addButton(CHOOSE_TEXT, QMessageBox.ButtonRole.ActionRole)
        retry = box.addButton(RETRY_TEXT, QMessageBox.ButtonRole.ActionRole)
        retry.setEnabled(not self.state.settings.offline)
        if self.state.settings.offline:
            retry.setToolTip("Offline mode is on (Settings menu)")
        # Action buttons close the box too; what they start runs after.
        choose.clicked.connect(self.choose_file)
        retry.clicked.connect(self.retry_download)
        return box
