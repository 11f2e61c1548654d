"""Decoding and encoding of video, stills, audio and cameras (no Qt)."""
