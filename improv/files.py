"""Writing files and directories so that a reader, or a crash, never sees half of one.

Everything improv writes (rendered MIDI, the token cache, model directories) goes to a
temporary name beside its target and is renamed into place only once complete; any
exception on the way, a KeyboardInterrupt included, removes the temporary. The result
gets the permissions an ordinary ``open()`` would give (0666 less the umask), not the
private 0600 of ``tempfile``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterator


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc);
    elsewhere set and put back at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: Path | str, mode: str = "wb", *, encoding: str | None = None,
                 durable: bool = False) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; rename it to ``path`` on success.

    ``durable`` also fsyncs before the rename (a file the user asked for); a cache entry
    can do without. The caller's OSError (no such directory, no permission, disk full)
    comes through unchanged for it to word.
    """
    if mode not in ("w", "wb"):
        raise ValueError("atomic_write opens files for writing: mode 'w' or 'wb'")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # (os.fchmod: POSIX only before Python 3.13)
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: Path | str) -> Iterator[Path]:
    """Yield an empty temporary directory beside ``path``; on success it replaces ``path``.

    An existing directory at ``path`` is swapped out only once the new one is complete
    (renamed aside, the new one renamed in, the old one removed), so a reader sees the
    old directory or the new one, never a mixture.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        tmp.chmod(0o777 & ~_umask())
        yield tmp
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
