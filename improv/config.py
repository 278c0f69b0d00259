"""Settings of the daemon: ``config.toml`` validated into frozen dataclasses.

One schema (the dataclasses below, each field with its range or choices) serves the file
and the command line, so a value is checked the same way wherever it comes from and every
mistake is one ConfigError line that names the file (or flag), the key and the fix.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ChordError, ConfigError

REPO = Path(__file__).resolve().parent.parent
CONFIG_NAME = "config.toml"

DEFAULT_PROGRESSION = ("F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | D7 | "
                       "Gm7 | C7 | F7 D7 | Gm7 C7")
MIDI_BACKENDS = ("auto", "alsa", "jack", "coremidi", "winmm")
MODEL_BACKENDS = ("numpy", "keras")
COMPING_STYLES = ("charleston", "sustain")


def _key(default, *, lo=None, hi=None, choices=None):
    """A schema field: a default plus the inclusive range or the choices it must keep to."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "choices": choices})


@dataclass(frozen=True)
class Melody:
    channel: int = _key(1, lo=1, hi=16)
    low: int = _key(52, lo=0, hi=127)
    high: int = _key(84, lo=0, hi=127)
    velocity: int = _key(88, lo=1, hi=127)


@dataclass(frozen=True)
class Comping:
    enabled: bool = _key(True)
    channel: int = _key(2, lo=1, hi=16)
    low: int = _key(50, lo=12, hi=108)
    velocity: int = _key(60, lo=1, hi=127)
    style: str = _key("charleston", choices=COMPING_STYLES)


@dataclass(frozen=True)
class Feel:
    swing: float = _key(0.5, lo=0.0, hi=1.0)
    accent: int = _key(10, lo=0, hi=40)
    humanise: int = _key(4, lo=0, hi=20)


@dataclass(frozen=True)
class Midi:
    backend: str = _key("auto", choices=MIDI_BACKENDS)
    port_name: str = _key("improv")
    connect: str = _key("")


@dataclass(frozen=True)
class Model:
    path: str = _key("data/model")
    backend: str = _key("numpy", choices=MODEL_BACKENDS)
    temperature: float = _key(1.0, lo=0.05, hi=5.0)
    top_p: float = _key(0.95, lo=0.01, hi=1.0)
    seed: int = _key(-1, lo=-1, hi=2**32 - 1)
    max_rest_bars: float = _key(2.0, lo=0.25, hi=16.0)


@dataclass(frozen=True)
class Scheduler:
    lookahead: float = _key(0.5, lo=0.05, hi=1.0)
    realtime: bool = _key(True)


@dataclass(frozen=True)
class Config:
    """Everything the daemon needs; ``model.path`` is absolute once loaded."""

    tempo: float = _key(120.0, lo=20.0, hi=400.0)
    progression: str = _key(DEFAULT_PROGRESSION)
    melody: Melody = field(default_factory=Melody)
    comping: Comping = field(default_factory=Comping)
    feel: Feel = field(default_factory=Feel)
    midi: Midi = field(default_factory=Midi)
    model: Model = field(default_factory=Model)
    scheduler: Scheduler = field(default_factory=Scheduler)


# --- validation -----------------------------------------------------------------------

def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def _sections() -> dict[str, type]:
    return {f.name: t for f, t in ((f, _hints(Config)[f.name]) for f in dataclasses.fields(Config))
            if dataclasses.is_dataclass(t)}


def _describe(lo, hi, choices, kind) -> str:
    if choices:
        return "one of " + ", ".join(repr(c) for c in choices)
    if lo is not None:
        if kind is float:
            return f"a number from {lo:g} to {hi:g}"
        return f"an integer from {lo} to {hi}"
    return {bool: "true or false", str: "a string", int: "an integer", float: "a number"}[kind]


def check_value(kind: type, meta, value, where: str):
    """Return ``value`` converted to ``kind`` or raise ConfigError naming ``where``.

    ``where`` reads ``config.toml: [melody] channel =`` for a file, ``--channel`` for a flag.
    """
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    raw = value
    want = _describe(lo, hi, choices, kind)
    ok_type = {bool: isinstance(value, bool),
               int: isinstance(value, int) and not isinstance(value, bool),
               float: isinstance(value, (int, float)) and not isinstance(value, bool),
               str: isinstance(value, str)}[kind]
    if not ok_type:
        raise ConfigError(f"{where} {value!r} has the wrong type: it must be {want}")
    if kind is float:
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{where} {raw!r} is not a finite number: it must be {want}")
    if choices and value not in choices:
        raise ConfigError(f"{where} {value!r} is not known: it must be {want}")
    if lo is not None and not (lo <= value <= hi):
        raise ConfigError(f"{where} {raw!r} is out of range: it must be {want}")
    return value


def _build(cls, table: dict, origin: str, prefix: str):
    hints = _hints(cls)
    names = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, raw in table.items():
        where = f"{origin}: {prefix}{key} ="
        if key not in names:
            known = ", ".join(names)
            raise ConfigError(f"{origin}: {prefix}{key} is not a known key: use one of {known} "
                              f"(see the comments in the repository's {CONFIG_NAME})")
        kind = hints[key]
        if dataclasses.is_dataclass(kind):
            if not isinstance(raw, dict):
                raise ConfigError(f"{origin}: {key} must be a table: write [{key}] with its keys "
                                  f"under it")
            values[key] = _build(kind, raw, origin, f"[{key}] ")
        else:
            values[key] = check_value(kind, names[key].metadata, raw, where)
    return cls(**values)


def _cross_check(config: Config, origin: str) -> Config:
    from .harmony import parse_progression  # cheap; kept local so config stays a leaf module

    try:
        parse_progression(config.progression)
    except ChordError as err:
        raise ConfigError(f"{origin}: progression: {err}") from err
    m = config.melody
    if m.high - m.low < 12:
        raise ConfigError(f"{origin}: [melody] low = {m.low}, high = {m.high} span less than an "
                          f"octave: keep high at least 12 above low (default 52..84, E3-C6)")
    if config.comping.enabled and config.comping.channel == m.channel:
        raise ConfigError(f"{origin}: the melody and the comping share MIDI channel {m.channel}: "
                          f"give them different channels, or switch comping off")
    if not config.midi.port_name.strip():
        raise ConfigError(f"{origin}: [midi] port_name is empty: name the port, e.g. 'improv'")
    return config


def parse(text: str, origin: str = CONFIG_NAME, base: Path | None = None) -> Config:
    """Validate TOML ``text``; relative ``model.path`` is taken from ``base`` (else the repo)."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{origin}: TOML syntax error: {err}: fix that line") from err
    config = _build(Config, table, origin, "")
    path = Path(config.model.path).expanduser()
    if not path.is_absolute():
        # A path the file sets is read from the file's folder; the default is the
        # repository's shipped model wherever the file lives.
        if "path" in table.get("model", {}):
            path = (base or REPO) / path
        else:
            from .modelfile import DEFAULT_DIR  # numpy only: cheap

            path = DEFAULT_DIR
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, path=str(path)))
    return _cross_check(config, origin)


def default() -> Config:
    """The built-in settings, identical to the repository's ``config.toml``."""
    return parse("", "defaults")


def find(path: Path | str | None = None) -> Path | None:
    """The file :func:`load` reads: ``path``, else ``./config.toml`` if it exists, else None."""
    if path is not None:
        return Path(path)
    candidate = Path.cwd() / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load(path: Path | str | None = None) -> Config:
    """Read ``path``; without one, ``./config.toml`` when it exists, else the defaults."""
    path = find(path)
    if path is None:
        return default()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError(f"config file {path} does not exist: pass --config with an existing "
                          f"file or copy the repository's {CONFIG_NAME}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"config file {path} cannot be read ({err}): check the path and "
                          f"its permissions") from err
    return parse(text, str(path), path.resolve().parent)


def override(config: Config, changes: dict[str, object]) -> Config:
    """Apply command-line values, keyed ``"section.key"`` or ``"key"`` -> (flag, value).

    ``changes`` maps a dotted key to ``(flag, value)``; values of None are skipped. Each is
    validated like the file's value, with the flag named in the message.
    """
    sections = _sections()
    for dotted, (flag, value) in changes.items():
        if value is None:
            continue
        section, _, key = dotted.rpartition(".")
        owner = sections[section] if section else Config
        meta = {f.name: f for f in dataclasses.fields(owner)}[key].metadata
        value = check_value(_hints(owner)[key], meta, value, flag)
        if section:
            inner = dataclasses.replace(getattr(config, section), **{key: value})
            config = dataclasses.replace(config, **{section: inner})
        else:
            config = dataclasses.replace(config, **{key: value})
    return _cross_check(config, "command line")
