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
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator, Mapping

from improv.errors import UsageError


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


def check_output(path: Path | str, flag: str, formats: Mapping[str, str],
                 inputs: Iterable[Path | str | None] = ()) -> str:
    """Refuse, before any work, an output path that writing would make a mess of; return
    the format its suffix chooses (a value of ``formats``, keyed by lower-case suffix).

    The path must be named, end in one of the suffixes, be absent or a regular file (an
    atomic write renames over whatever is there: a device node, a FIFO or a directory
    would be replaced or refused only at the end), be none of ``inputs`` (files or
    directories the run reads: a chart, the config, the model, the soundfont), and lie
    in a folder that exists and may be written.
    """
    text = str(path)
    choices = " or ".join(sorted(set(formats)))
    if not text.strip():
        raise UsageError(f"{flag} is empty: give a file name ending in {choices}")
    path = Path(text).expanduser()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise UsageError(f"{flag} {path}: cannot look at it ({err.strerror or err}); "
                         f"write somewhere else") from err
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"{flag} {path} is a directory: give a file name such as "
                         f"{path / ('out' + path.suffix)}")
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{flag} {path} is not a regular file (a device, FIFO or socket), "
                         f"which writing would replace: give a file name")
    kind = formats.get(path.suffix.lower())
    if kind is None:
        raise UsageError(f"{flag} {path}: improv writes {choices} files, chosen by the "
                         f"suffix; name the file with one of those")
    target = path.resolve()
    for given in inputs:
        if not given:
            continue
        source = Path(given).expanduser().resolve()
        same = target == source or (mode is not None and source.exists()
                                    and os.path.samefile(target, source))
        if same or source in target.parents:
            raise UsageError(f"{flag} {path} is {'' if same else 'inside '}{source}, which "
                             f"this run reads: write the output elsewhere")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"{flag} {path}: the directory {path.parent} does not exist; "
                         f"create it or write elsewhere")
    try:  # the one sure test that a file can be made there (root, /proc, a full disk)
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=parent)
    except OSError as err:
        raise UsageError(f"{flag} {path}: cannot write in {path.parent} "
                         f"({err.strerror or err}); write somewhere you may create files") from err
    os.close(fd)
    os.unlink(probe)
    return kind


def regular_file(path: Path | str, what: str, error: type[Exception] = UsageError) -> os.stat_result:
    """The stat of ``path`` if it is a regular file; else ``error`` in one line (a
    directory, a device such as /dev/zero, a FIFO or socket are never read: they have no
    end or would block). A missing file raises FileNotFoundError for the caller to word."""
    st = os.stat(path)  # follows a symlink, as reading would
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{what} {path} is a directory: give the file itself")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{what} {path} is not a regular file (a device, FIFO or socket): "
                    f"give a file")
    return st


def read_limited(path: Path | str, limit: int, what: str,
                 error: type[Exception] = UsageError) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them: a larger file
    is one ``error`` line before it is parsed, so memory stays bounded whatever it holds
    (see :func:`regular_file`; a missing file raises FileNotFoundError)."""
    st = regular_file(path, what, error)
    too_big = f"{path} is more than {limit:,} bytes, more than a {what} holds: is it the right file?"
    if st.st_size > limit:
        raise error(too_big)
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew since
        raise error(too_big)
    return data
