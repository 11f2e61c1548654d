"""The live preview: source bar, preview, capture worker and session, recording, alert banner, status bar."""
