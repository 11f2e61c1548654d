"""Motion analysis on the keypoints the pipeline produces: joint angles,
activity, events and the report.

Layering: this package is pure NumPy. It may import `app.base.landmarks` and
`app.base.types`, never Qt, PyAV, the pipeline or the media layer, and it does
no file I/O (callers read keypoint files and write the texts it builds).
"""
