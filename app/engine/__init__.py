"""The engine: the conversion pipeline and the live loop, the only layer that combines media
I/O with pose, people and drawing. Qt-free; the CLI, the GUI and the cluster runner share it.
"""
