"""Live changes while the daemon plays: edit and save the config file (or send SIGHUP).

Tempo takes effect at once (the scheduler re-anchors its clock, so the next note is on
the new grid), a new progression from the next bar line not yet generated (at most a
bar and the lookahead away), swing, accents and humanising with the next note. Any other
key (model, port, channels, register…) needs a restart; the daemon says so. A file that
does not validate is reported in one line and the music goes on unchanged.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from improv.performance.feel import Feel
from improv.commands.config import Config


@dataclass(frozen=True)
class Change:
    """What differs between the settings playing and the settings just read."""

    tempo: float | None = None
    progression: str | None = None
    feel: Feel | None = None
    restart: tuple[str, ...] = ()  # keys that change only on restart

    @property
    def live(self) -> bool:
        return self.tempo is not None or self.progression is not None or self.feel is not None

    def describe(self) -> str:
        parts = []
        if self.tempo is not None:
            parts.append(f"tempo {self.tempo:g} BPM")
        if self.progression is not None:
            parts.append(f"progression '{self.progression}' from the next bar")
        if self.feel is not None:
            parts.append(f"swing {self.feel.swing:g}, accent {self.feel.accent}, "
                         f"humanise {self.feel.humanise}")
        return "; ".join(parts)


def diff(old: Config, new: Config) -> Change:
    """The live changes from ``old`` to ``new``, and the keys that wait for a restart."""
    restart = []
    for f in dataclasses.fields(Config):
        if f.name in ("tempo", "progression", "feel"):
            continue
        a, b = getattr(old, f.name), getattr(new, f.name)
        if dataclasses.is_dataclass(a):
            restart += [f"[{f.name}] {g.name}" for g in dataclasses.fields(a)
                        if getattr(a, g.name) != getattr(b, g.name)]
        elif a != b:
            restart.append(f.name)
    return Change(tempo=new.tempo if new.tempo != old.tempo else None,
                  progression=new.progression if new.progression != old.progression else None,
                  feel=new.feel if new.feel != old.feel else None,
                  restart=tuple(restart))


class ConfigWatcher:
    """Says when the settings should be read again: the file changed, or it was asked to.

    ``request()`` only sets an Event, so it is what a SIGHUP handler calls. ``due()`` is
    polled by the main thread between status refreshes: one ``stat`` call.
    """

    def __init__(self, path: Path | str | None):
        self._path = None if path is None else Path(path)
        self._asked = threading.Event()
        self._seen = self._signature()

    def _signature(self):
        if self._path is None:
            return None
        try:
            st = os.stat(self._path)
        except OSError:
            return None  # mid-save, or removed: keep what is playing
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def request(self) -> None:
        self._asked.set()

    def due(self) -> bool:
        signature = self._signature()
        changed = signature is not None and signature != self._seen
        if changed:
            self._seen = signature
        if self._asked.is_set():
            self._asked.clear()
            return True
        return changed
