"""The desktop app's own state, Qt-free: the settings value the app edits
(StudioSettings) and the one place it changes (AppState)."""
