"""Atomic output files: moved to app/base/files.py (the one home of atomic
writes and file hashes). The names stay importable from here for code
written before the move; new code imports app.base.files."""

from app.base.files import (
    TEMP_MARK,
    atomic_output,
    check_output_folder,
    clean_stale_partials,
    describe_os_error,
    temp_path_for,
    write_bytes_atomic,
)

__all__ = ["TEMP_MARK", "atomic_output", "check_output_folder", "clean_stale_partials",
           "describe_os_error", "temp_path_for", "write_bytes_atomic"]
