"""The graph directory's lock, shared by the NetworkX store's writers and the
query database's readers: an advisory ``flock`` on ``DIR/.kg.lock``, released
by the kernel when its holder dies, so a killed build never leaves the
directory locked."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE = ".kg.lock"


@contextmanager
def directory_lock(d: Path, shared: bool = False) -> Iterator[None]:
    """One writer at a time per graph directory (a second one waits); with
    ``shared``, a reader, which waits for a write in progress and never sees
    half of one. A reader of a read-only directory takes no lock: no writer
    can be at work in it."""
    if shared:
        try:
            f = (d / LOCK_FILE).open("a")
        except OSError:
            yield
            return
    else:
        d.mkdir(parents=True, exist_ok=True)
        f = (d / LOCK_FILE).open("a")
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    with f:
        try:
            fcntl.flock(f, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another kg process is writing this graph; waiting for it to finish", d)
            fcntl.flock(f, mode)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
