"""The ``[melody]`` table: what the soloist's part plays with (its own module, so the
part's module holds the part)."""

from __future__ import annotations

from dataclasses import dataclass

from improv.settings import setting, validate


@dataclass(frozen=True)
class Melody:
    """The ``[melody]`` table: whether the solo plays, its channel, register, loudness,
    and how often it plays its own material again."""

    enabled: bool = setting(True)
    channel: int = setting(1, lo=1, hi=16)
    low: int = setting(44, lo=0, hi=127)
    high: int = setting(88, lo=0, hi=127)
    velocity: int = setting(88, lo=1, hi=127)
    program: int = setting(67, lo=0, hi=128)  # General MIDI, 1-based: 67 tenor sax; 0 none
    register: str = setting("full", choices=("phrase", "full"))  # low..high, or a window per phrase
    motifs: float = setting(1.0, lo=0.0, hi=4.0)  # recalls of earlier phrases, × the players' rate
    patterns: float = setting(1.0, lo=0.0, hi=4.0)  # figures played again at once, × the same
    intervals: str = setting("exact", choices=("exact", "spread"))  # grammar.decode's exact

    def __post_init__(self):
        validate(self)
