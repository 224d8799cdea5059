"""Files written whole or not at all: to a temporary file of their own beside
the target, flushed to disk, then renamed over it. A crash, a kill or a full
disk never leaves half a file, and the temporary file is removed when
writing fails (one a killed writer left behind ends in ``.tmp``)."""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_gzip(path: Path, pieces: Iterable[str], what: str = "the graph") -> None:
    """``pieces`` of text, gzip-compressed into ``path``, joined 5,000 at a
    time (a 50k-paper graph's text never sits in memory at once). On an
    OSError the message says that ``what`` is unchanged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as z:
            chunk: list[str] = []
            for piece in pieces:
                chunk.append(piece)
                if len(chunk) >= 5000:
                    z.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            z.write("".join(chunk).encode("utf-8"))
            z.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise OSError(e.errno, f"could not write {path} ({e.strerror or e}); {what} there is unchanged") from e
        raise
    fsync_dir(path.parent)


def fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
