"""The window shell: main window, layout, menus, tabs, dialogs, theme,
settings storage, model readiness, helper tasks."""
