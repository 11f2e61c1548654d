"""The settings panels beside the preview (style, people, background, export) and their controls."""
