"""A GPU delegate that starts or fails as a test says, on any machine."""

from __future__ import annotations


class PretendGpu:
    """MediaPipe's GPU delegate as a test wants it, whatever this machine's
    does: `fails` maps a running mode ("VIDEO", "IMAGE") to the reason its
    GPU start fails; in the other modes the GPU "starts" (a CPU landmarker
    standing in for it)."""

    def __init__(self, monkeypatch) -> None:
        from app.pose.deferred_imports import defer_unused_imports
        defer_unused_imports()
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker
        self.fails: dict[str, str] = {}
        create, gpu = PoseLandmarker.create_from_options, BaseOptions.Delegate.GPU

        def create_from_options(options):
            if options.base_options.delegate == gpu:
                reason = self.fails.get(options.running_mode.name)
                if reason is not None:
                    raise RuntimeError(f"Service kGpuService could not be created: {reason}.")
                options.base_options.delegate = BaseOptions.Delegate.CPU
            return create(options)
        monkeypatch.setattr(PoseLandmarker, "create_from_options", create_from_options)
