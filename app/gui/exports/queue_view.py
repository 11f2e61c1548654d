"""The queue table below the preview: a row per file with a progress bar,
and the actions on rows (cancel, open folder, play, plot)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.exports.desktop_open import open_in_desktop
from app.gui.exports.export_queue import (
    PROGRESS_ROLE,
    STATUS_ROLE,
    ExportController,
    QueueColumn,
    QueueRow,
    RowStatus,
)
from app.gui.shell.theme import ACCENT

_STATUS_COLORS = {RowStatus.DONE: "#2fbf71", RowStatus.FAILED: "#e5484d",
                  RowStatus.CANCELLED: "#9aa1ab", RowStatus.RUNNING: ACCENT,
                  RowStatus.QUEUED: "#9aa1ab"}


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a slim rounded bar with its percentage."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        fraction = index.data(PROGRESS_ROLE)
        status = index.data(STATUS_ROLE)
        if fraction is None or fraction < 0:
            super().paint(painter, option, index)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r: QRect = option.rect.adjusted(6, 0, -6, 0)
        bar = QRect(r.left(), r.center().y() - 3, r.width() - 44, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(option.palette.mid())
        painter.drawRoundedRect(bar, 3, 3)
        done = QRect(bar.left(), bar.top(), int(bar.width() * fraction), bar.height())
        painter.setBrush(QColor(_STATUS_COLORS.get(status, ACCENT)))
        painter.drawRoundedRect(done, 3, 3)
        painter.setPen(option.palette.text().color())
        painter.drawText(QRect(bar.right() + 6, r.top(), 40, r.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         f"{fraction:.0%}")
        painter.restore()


class StatusDelegate(QStyledItemDelegate):
    """Colours the status text by state."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        status = index.data(STATUS_ROLE)
        if status in _STATUS_COLORS and status is not RowStatus.QUEUED:
            option.palette.setColor(option.palette.ColorRole.Text, QColor(_STATUS_COLORS[status]))


class QueueView(QWidget):
    """Thread: GUI."""

    add_requested = Signal()
    plot_requested = Signal(object)  # QueueRow with keypoints
    open_failed = Signal(str)  # one-line reason: the user's opener could not start

    def __init__(self, controller: ExportController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.table = QTableView()
        self.table.setModel(controller.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setItemDelegateForColumn(QueueColumn.PROGRESS, ProgressDelegate(self.table))
        self.table.setItemDelegateForColumn(QueueColumn.STATUS, StatusDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QueueColumn.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(QueueColumn.STATUS, QHeaderView.ResizeMode.Stretch)
        for column, width in ((QueueColumn.DURATION, 80), (QueueColumn.PROGRESS, 180),
                              (QueueColumn.FPS, 60), (QueueColumn.ETA, 70)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_menu)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.setToolTip("Double-click a finished row to play it; right-click for more.")

        self.empty_hint = QLabel("Drop videos or images anywhere on the window, or use "
                                 "File \u25b8 Open (Ctrl+O), to convert them with the current "
                                 "settings.")
        self.empty_hint.setObjectName("Hint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)

        add = QPushButton("Add files\u2026")
        add.setObjectName("Primary")
        add.setToolTip("Queue videos or images for conversion (Ctrl+O)")
        add.clicked.connect(self.add_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Cancel the selected jobs (Del)")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.clicked.connect(lambda: self._for_selected_done(self.open_folder))
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(lambda: self._for_selected_done(self.play_file))
        clear = QPushButton("Clear finished")
        clear.clicked.connect(controller.model.remove_finished)

        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addStretch(1)
        for b in (self.cancel_button, self.folder_button, self.play_button, clear):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint, 1)
        layout.addLayout(buttons)
        controller.model.rowsInserted.connect(self._update_empty)
        controller.model.modelReset.connect(self._update_empty)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        controller.model.dataChanged.connect(self._update_buttons)
        self._update_empty()

    def _update_empty(self, *_args) -> None:
        empty = self.controller.model.rowCount() == 0
        self.table.setVisible(not empty)
        self.empty_hint.setVisible(empty)
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        rows = self.selected_rows()
        self.cancel_button.setEnabled(any(not r.status.finished for r in rows))
        done = any(r.status is RowStatus.DONE for r in rows)
        self.folder_button.setEnabled(done)
        self.play_button.setEnabled(done)

    def selected_rows(self) -> list[QueueRow]:
        model = self.controller.model
        return [model.row_at(i.row()) for i in self.table.selectionModel().selectedRows()]

    def cancel_selected(self) -> None:
        for row in self.selected_rows():
            self.controller.cancel(row.row_id)

    def _for_selected_done(self, action) -> None:
        for row in self.selected_rows():
            if row.status is RowStatus.DONE and row.result is not None:
                action(row.result.output)

    def _on_double_click(self, index: QModelIndex) -> None:
        row = self.controller.model.row_at(index.row())
        if row.status is RowStatus.DONE and row.result is not None:
            self.play_file(row.result.output)

    def open_folder(self, path: Path) -> None:
        self._open(path.parent)

    def play_file(self, path: Path) -> None:
        self._open(path)

    def _open(self, target: Path) -> None:
        # The user's programs, with the user's environment (desktop_open.py).
        try:
            open_in_desktop(target)
        except OSError as exc:
            self.open_failed.emit(str(exc))

    def _show_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        row = self.controller.model.row_at(index.row())
        menu = QMenu(self)
        if not row.status.finished:
            menu.addAction("Cancel", lambda: self.controller.cancel(row.row_id))
        if row.status is RowStatus.DONE and row.result is not None:
            out = row.result.output
            menu.addAction("Play", lambda: self.play_file(out))
            menu.addAction("Show in folder", lambda: self.open_folder(out))
            plot: QAction = menu.addAction("Plot joint angles",
                                           lambda: self.plot_requested.emit(row))
            plot.setEnabled(any(k.suffix == ".json" for k in row.result.keypoints))
        if row.status is RowStatus.FAILED:
            menu.addAction("Copy error", lambda: self._copy(row.message))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _copy(self, text: str) -> None:
        from PySide6.QtWidgets import QApplication
        QApplication.clipboard().setText(text)
