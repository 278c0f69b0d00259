"""Knobs: MIDI control changes that steer the solo while it plays (pure, no I/O).

Each knob is one CC number (``[knobs]`` in config.toml; 0 leaves a knob unassigned).
A CC value (0-127) becomes a setting by the mapping below; :class:`Knobs` keeps the
current values and a queue of changes the performer applies before its next value, so
the input thread never touches the model or the schedule.

==============  =========================================  =====================
knob            0 … 64 … 127                               applies
==============  =========================================  =====================
temperature     0.25 … 1.0 … 2.0 (linear each side)        next value
top_p           0.5 … 1.0 (linear)                         next value
register        -2 … +2 octaves (five steps)               next note
swing           0 … 1 (the ``[feel] swing`` scale)         next note
comping         off below 64, on from 64                   next chord
bass            off below 64, on from 64                   next beat
drums           off below 64, on from 64                   next bar
mute            the solo sounds below 64, silent from 64   next note
panic           from 64: every sounding note off at once   at once
melody_level    0 … 1 (value / 127): the solo's velocity   next note
comping_level   0 … 1: the chords' velocity (0 silent)     next chord
bass_level      0 … 1: the bass's velocity (0 silent)      next beat
drums_level     0 … 1: the kit's velocity (0 silent)       next bar
==============  =========================================  =====================

A knob named after a part switches it (the ensemble's rule); ``<part>_level`` scales
that part's velocities (within 1-127; at 0 it sends no note_on and goes on in time).
The knobs after ``panic`` have no CC (0) unless ``[knobs]`` gives them one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from improv.errors import UsageError
from improv.settings import setting, validate

NAMES = ("temperature", "top_p", "register", "swing", "comping", "mute", "panic",
         "bass", "drums", "melody_level", "comping_level", "bass_level", "drums_level")
LEVELS = ("melody_level", "comping_level", "bass_level", "drums_level")


@dataclass(frozen=True)
class KnobSettings:
    """The ``[knobs]`` table: whether to read knobs on the MIDI input, and the CC
    number of each (0: none)."""

    enabled: bool = setting(True)
    temperature: int = setting(21, lo=0, hi=119)
    top_p: int = setting(22, lo=0, hi=119)
    register: int = setting(23, lo=0, hi=119)
    swing: int = setting(24, lo=0, hi=119)
    comping: int = setting(25, lo=0, hi=119)
    mute: int = setting(26, lo=0, hi=119)
    panic: int = setting(27, lo=0, hi=119)
    bass: int = setting(0, lo=0, hi=119)  # the bass off/on
    drums: int = setting(0, lo=0, hi=119)  # the drums off/on
    melody_level: int = setting(0, lo=0, hi=119)  # each part's level, 0..1
    comping_level: int = setting(0, lo=0, hi=119)
    bass_level: int = setting(0, lo=0, hi=119)
    drums_level: int = setting(0, lo=0, hi=119)

    def __post_init__(self):
        validate(self)
        numbers = [getattr(self, n) for n in NAMES if getattr(self, n)]
        if not self.enabled:
            return
        if len(numbers) != len(set(numbers)):
            raise UsageError(f"[knobs]: two knobs share a CC number ({numbers}): give each "
                             f"its own, or 0 for none")


def knob_value(name: str, value: int):
    """The setting a CC ``value`` (clamped to 0-127) means for knob ``name``."""
    v = max(0, min(127, int(value)))
    if name == "temperature":
        return round(0.25 + 0.75 * v / 64 if v <= 64 else 1.0 + (v - 64) / 63, 3)
    if name == "top_p":
        return round(0.5 + 0.5 * v / 127, 3)
    if name == "register":
        return round(v / 127 * 4) - 2
    if name == "swing" or name in LEVELS:
        return round(v / 127, 3)
    return v >= 64  # comping, bass, drums, mute, panic


class Knobs:
    """Current knob values and the changes not yet applied. ``turn(cc, value)`` runs on
    the input thread; ``take()`` on the thread that generates."""

    def __init__(self, settings: KnobSettings = KnobSettings(), **initial):
        self._by_cc = ({getattr(settings, n): n for n in NAMES if getattr(settings, n)}
                       if settings.enabled else {})
        self._lock = threading.Lock()
        self._pending: dict[str, object] = {}  # the latest value of each knob turned
        self.values: dict[str, object] = dict(initial)
        self.turned = 0

    def turn(self, cc: int, value: int) -> tuple[str, object] | None:
        """Apply a control change; (knob, setting) if it is a knob's, else None."""
        name = self._by_cc.get(cc)
        if name is None:
            return None
        setting_value = knob_value(name, value)
        with self._lock:
            self.turned += 1
            if name != "panic":
                self.values[name] = setting_value
            self._pending.pop(name, None)  # re-inserted: applied in the order last turned
            self._pending[name] = setting_value
        return name, setting_value

    def take(self) -> list[tuple[str, object]]:
        with self._lock:
            changes = list(self._pending.items())
            self._pending.clear()
        return changes

    def describe(self) -> str:
        """The status line's part: the knobs turned so far and their values."""
        v = self.values
        parts = []
        if "temperature" in v:
            parts.append(f"temp {v['temperature']:g}")
        if "top_p" in v:
            parts.append(f"top-p {v['top_p']:g}")
        if v.get("register"):
            parts.append(f"reg {v['register']:+d}")
        if "swing" in v:
            parts.append(f"swing {v['swing']:g}")
        if "comping" in v:
            parts.append("comp on" if v["comping"] else "comp off")
        for part in ("bass", "drums"):
            if part in v:
                parts.append(f"{part} {'on' if v[part] else 'off'}")
        for level in LEVELS:
            if level in v:
                parts.append(f"{level.removesuffix('_level')} {v[level]:.0%}")
        if v.get("mute"):
            parts.append("MUTED")
        return " ".join(parts)
