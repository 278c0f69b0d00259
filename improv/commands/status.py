"""The daemon's one-line status on stderr: bar, chord, last note, tempo.

The scheduler thread only records the latest melody note (an attribute store, so the
timing path stays cheap); the main thread formats and writes the line a few times a
second. On a terminal the line is rewritten in place; into a file or pipe a line is
written per bar instead, so logs stay readable.
"""

from __future__ import annotations

import sys

from improv.analysis.solostats import pitch_name
from improv.band.note import Note


class StatusLine:
    def __init__(self, stream=None, *, tempo: float, port: str = ""):
        self._stream = stream or sys.stderr
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self.tempo = tempo
        self._port = port
        self._note: Note | None = None
        self._notes = 0
        self._shown = object()  # nothing shown yet
        self._written = False
        self.waiting = ""  # set while the music waits (e.g. for a master's clock)
        self.listening = ""  # what improv hears (chord, turn, knobs), when it listens
        self.section_at = lambda beat: ""  # the chart's section at a beat (the band's)

    def observe(self, kind: str, note: Note, due: float, sent: float) -> None:
        """Scheduler observer: remember the last melody note_on."""
        if kind == "on" and note.part == "melody":
            self._note = note
            self._notes += 1

    def text(self) -> str:
        note = self._note
        if self.waiting:
            return f"improv: {self.waiting} | {self._port}"
        if note is None:
            text = f"improv: waiting for the first note | {self.tempo:g} BPM | {self._port}"
            return f"{text} | {self.listening}" if self.listening else text
        try:
            section = self.section_at(note.start)
        except Exception:  # noqa: BLE001 - a status line must never stop the music
            section = ""
        where = f"bar {note.bar} [{section}]" if section else f"bar {note.bar}"
        text = (f"improv: {where} | {note.chord} | {pitch_name(note.pitch)} "
                f"(vel {note.velocity}) | {self.tempo:g} BPM | {self._notes} notes")
        return f"{text} | {self.listening}" if self.listening else text

    def refresh(self) -> None:
        note = self._note
        key = ((note.bar if note else None, self.waiting, None if note else self.listening)
               if not self._tty
               else (id(note), self.tempo, self.waiting, self.listening))
        if key == self._shown:
            return
        self._shown = key
        try:
            if self._tty:
                self._stream.write("\r" + self.text() + "\x1b[K")
                self._written = True
            else:
                self._stream.write(self.text() + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed terminal must not stop the music

    def close(self) -> None:
        if self._tty and self._written:
            try:
                self._stream.write("\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass

    def message(self, text: str) -> None:
        """A line of its own (e.g. a live settings change); the status is redrawn after it."""
        try:
            self._stream.write(("\r" + text + "\x1b[K\n") if self._tty else text + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass
        self._shown = object()
