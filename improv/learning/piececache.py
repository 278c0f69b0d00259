"""The tokenised-corpus cache: JSON files in the user cache dir, written atomically.

Where: ``$IMPROV_CACHE_DIR`` if set (tests point it at a temp dir), else
``$XDG_CACHE_HOME/improv``, else ``~/.cache/improv``; never inside the repository.

The key hashes the MIDI file's content, the track options, ``FORMAT`` and the source of
the modules that decide what a value is (the reader names them), so changing
the encoding in code can never serve stale values; saving prunes the entries of the same
file and options that older code wrote. An entry that cannot be read is
treated as a miss; a cache that cannot be written only costs speed (logged).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path

from improv.files import atomic_write

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the JSON layout changes


def cache_dir() -> Path:
    explicit = os.environ.get("IMPROV_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "improv"


@lru_cache(maxsize=8)
def code_fingerprint(sources: tuple[str, ...]) -> str:
    """A hash of the source files whose code decides the tokens (read once per process).

    The reader names them (its own file and what it calls), so this cache knows no
    reader and imports nothing above it."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()


def key(file_sha256: str, options: dict, sources: tuple[str, ...]) -> str:
    """The cache key of a file's content, the options it was tokenised with and the code
    that tokenised it (``sources``): ``<file>-<options>-<format and code>``, so an older
    entry of the same file and options can be recognised (and pruned) by its prefix."""
    opts = json.dumps(options, sort_keys=True).encode()
    version = f"{FORMAT}:{code_fingerprint(tuple(sources))}".encode()
    return (f"{file_sha256[:16]}-{hashlib.sha256(opts).hexdigest()[:12]}-"
            f"{hashlib.sha256(version).hexdigest()[:12]}")


def _path(entry: str) -> Path:
    return cache_dir() / f"piece-{entry}.json"


def _prune(entry: str) -> None:
    """Remove entries of the same file and options written by other code versions."""
    prefix = entry.rsplit("-", 1)[0]
    for old in cache_dir().glob(f"piece-{prefix}-*.json"):
        if old != _path(entry):
            old.unlink(missing_ok=True)


def load(entry: str) -> dict | None:
    """The cached JSON object for ``entry``, or None when absent or unreadable."""
    path = _path(entry)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        log.info("ignoring unreadable cache entry %s (%s)", path, err)
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        log.info("ignoring cache entry %s of another format", path)
        return None
    return data.get("piece") if isinstance(data.get("piece"), dict) else None


def save(entry: str, piece: dict) -> None:
    """Write ``piece`` under ``entry`` atomically (temp file, then rename)."""
    path = _path(entry)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w", encoding="utf-8") as fh:
            json.dump({"format": FORMAT, "piece": piece}, fh)
        _prune(entry)
    except OSError as err:
        log.warning("could not write the corpus cache %s (%s): the next load will parse "
                    "the MIDI again", path, err)
