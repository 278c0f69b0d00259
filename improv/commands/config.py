"""Settings of the daemon: ``config.toml`` validated into frozen dataclasses.

Each table of the file is the settings class of the code it configures, defined next to
that code (``[sampling]`` is :class:`~improv.sampling.settings.SamplingSettings`,
``[melody]`` the soloist part's :class:`~improv.band.melodysettings.Melody` …); this
module only composes them, adds the top-level keys, and reads the file and the command
line through one checker (:func:`improv.settings.check`), so a value is held to the same
rule wherever it comes from and every mistake is one ConfigError line that names the
file (or flag), the key and the fix. Only the command layer imports this module.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from improv.band.bass import Bass
from improv.band.comping import Comping
from improv.band.countin import MOST_BARS
from improv.band.drums import Drums
from improv.performance.feel import Feel
from improv.band.melodysettings import Melody
from improv.band.styles import STYLES
from improv.errors import ChordError, ConfigError, PortError, UsageError
from improv.files import read_limited
from improv.listening.knobs import KnobSettings
from improv.listening.listener import ListenSettings
from improv.midi.ports import MidiSettings, check_port_name
from improv.midi.synth import SynthSettings
from improv.model.engines import ModelSettings
from improv.model.modelfile import default_dir, is_name, shipped_names
from improv.sampling.settings import MAX_SEED, SamplingSettings
from improv.settings import check, did_you_mean, kinds, setting, validate
from improv.timing.scheduler import SchedulerSettings
from improv.timing.sync import SyncSettings
from improv.timing.tempo import MAX_TEMPO, MIN_TEMPO

CONFIG_NAME = "config.toml"
MAX_CONFIG_BYTES = 1_000_000  # the documented file is 12 kB

# The band's parts, each configured by the table of its name (on/off, channel, program,
# velocity, ...), in the order they are asked for notes and their tracks are written.
PARTS = ("melody", "comping", "bass", "drums")

DEFAULT_PROGRESSION = ("F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | D7 | "
                       "Gm7 | C7 | F7 D7 | Gm7 C7")

# Keys of earlier releases, and where they live now: named in the error, not guessed.
MOVED = {
    ("model", "backend"): "[model] engine",
    ("model", "temperature"): "[sampling] temperature",
    ("model", "top_p"): "[sampling] top_p",
    ("model", "max_rest_bars"): "[sampling] max_rest_bars",
    ("model", "seed"): "the top-level seed (above the first [table])",
}


@dataclass(frozen=True)
class Config:
    """Everything the daemon needs: the top-level keys, then one table per layer, each
    the settings class of the code it configures. ``model.path`` is absolute once loaded."""

    tempo: float = setting(120.0, lo=MIN_TEMPO, hi=MAX_TEMPO)
    progression: str = setting(DEFAULT_PROGRESSION)
    time: str = setting("4/4")  # the progression's metre (a chart file says its own)
    chart: str = setting("")  # a lead-sheet file; when set, it replaces progression
    seed: int = setting(-1, lo=-1, hi=MAX_SEED)  # -1: a fresh seed each run
    # the band's style; "": the chart's, else a waltz in 3/4 and a swing otherwise
    style: str = setting("", choices=("", *STYLES))
    count_in: int = setting(0, lo=0, hi=MOST_BARS)  # bars of sticks before the chart
    melody: Melody = field(default_factory=Melody)
    comping: Comping = field(default_factory=Comping)
    bass: Bass = field(default_factory=Bass)
    drums: Drums = field(default_factory=Drums)
    feel: Feel = field(default_factory=Feel)
    midi: MidiSettings = field(default_factory=MidiSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    listen: ListenSettings = field(default_factory=ListenSettings)
    knobs: KnobSettings = field(default_factory=KnobSettings)
    synth: SynthSettings = field(default_factory=SynthSettings)

    def __post_init__(self):
        validate(self)

    @property
    def needs_input(self) -> bool:
        """Whether playing depends on the MIDI input (not just knobs on it)."""
        return self.sync.mode == "clock" or self.listen.follow_chords or self.listen.trading

    @property
    def listening(self) -> bool:
        """Whether the daemon opens its MIDI input: a master's clock, the musician's
        chords or phrases, or knobs to read."""
        return (self.sync.mode == "clock" or self.listen.follow_chords
                or self.listen.trading or self.knobs.enabled)


# --- validation -----------------------------------------------------------------------

def _sections() -> dict[str, type]:
    return {name: kind for name, (kind, _) in kinds(Config).items() if dataclasses.is_dataclass(kind)}


def _keys(cls) -> dict[str, dataclasses.Field]:
    """The keys a table offers: its fields, less those only code sets."""
    return {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("config", True)}


def _table_of(key: str, section: str) -> str | None:
    """Where a key that is not ``section``'s does belong: ``[feel]`` for a top-level
    swing, "the top level" for a tempo written under a table; None if nowhere."""
    if section and key in _keys(Config):
        return "the top level (above the first [table])"
    homes = [name for name, kind in _sections().items() if name != section and key in _keys(kind)]
    return " or ".join(f"[{home}]" for home in homes) or None


def check_value(kind: type, meta, value, where: str):
    """``value`` converted to ``kind``, or a ConfigError naming ``where``."""
    return check(kind, meta, value, where, ConfigError)


def _build(cls, table: dict, origin: str, prefix: str, section: str = ""):
    names = _keys(cls)
    values = {}
    for key, raw in table.items():
        where = f"{origin}: {prefix}{key} ="
        if key not in names:
            moved = MOVED.get((section, key))
            if moved:
                raise ConfigError(f"{origin}: {prefix}{key} has moved: write it as {moved} "
                                  f"(see the comments in the repository's {CONFIG_NAME})")
            home = _table_of(key, section)
            if home is not None:
                raise ConfigError(f"{origin}: {prefix}{key} belongs in {home}: move it under "
                                  f"that table (see the comments in the repository's "
                                  f"{CONFIG_NAME})")
            known = ", ".join(names)
            raise ConfigError(f"{origin}: {prefix}{key} is not a known key"
                              f"{did_you_mean(key, names)}: use one of {known} (see the "
                              f"comments in the repository's {CONFIG_NAME})")
        kind, _ = kinds(cls)[key]
        if dataclasses.is_dataclass(kind):
            if not isinstance(raw, dict):
                raise ConfigError(f"{origin}: {key} must be a table: write [{key}] with its keys "
                                  f"under it")
            values[key] = _build(kind, raw, origin, f"[{key}] ", key)
        else:
            values[key] = check_value(kind, names[key].metadata, raw, where)
    try:
        return cls(**values)
    except UsageError as err:  # a rule spanning keys of one table
        raise ConfigError(f"{origin}: {prefix.strip() or 'settings'}: {err}") from err


def _cross_check(config: Config, origin: str) -> Config:
    from improv.language.harmony import (
        parse_progression,  # cheap; kept local so config stays a leaf module
    )
    from improv.language.leadsheet import parse_time

    try:
        parse_progression(config.progression)
    except ChordError as err:
        raise ConfigError(f"{origin}: progression: {err}") from err
    try:
        parse_time(config.time, "time")
    except UsageError as err:
        raise ConfigError(f"{origin}: {err}") from err
    if config.sync.mode == "clock" and config.sync.clock_out:
        raise ConfigError(f"{origin}: [sync] clock_out goes with mode = 'internal': under "
                          f"'clock' the master sends the clock")
    if config.midi.input_connect and not config.listening:
        raise ConfigError(f"{origin}: [midi] input_connect names a port to listen to, but "
                          f"nothing listens: set [sync] mode = 'clock', [listen] "
                          f"follow_chords or trade, or [knobs] enabled = true")
    m = config.melody
    if m.high - m.low < 12:
        raise ConfigError(f"{origin}: [melody] low = {m.low}, high = {m.high} span less than an "
                          f"octave: keep high at least 12 above low (default 44..88, Ab2-E6)")
    playing = [name for name in PARTS if getattr(config, name).enabled]
    if not playing:
        raise ConfigError(f"{origin}: every part is switched off: set enabled = true in one "
                          f"of " + ", ".join(f"[{name}]" for name in PARTS))
    for k, name in enumerate(playing):
        for other in playing[k + 1:]:
            channel = getattr(config, name).channel
            if getattr(config, other).channel == channel:
                raise ConfigError(f"{origin}: the {name} and the {other} share MIDI channel "
                                  f"{channel}: give them different channels, or switch one off")
    if config.count_in:
        for name in playing:
            if name != "drums" and getattr(config, name).channel == config.drums.channel:
                raise ConfigError(f"{origin}: the count-in plays on the drums' channel "
                                  f"{config.drums.channel}, which the {name} uses: give the "
                                  f"{name} another channel, or leave out the count-in")
    try:
        check_port_name(config.midi.port_name, config.midi.backend, "[midi] port_name")
        if config.midi.connect:
            check_port_name(config.midi.connect, config.midi.backend, "--connect")
        if config.listening:
            check_port_name(config.midi.input_name or f"{config.midi.port_name} in",
                            config.midi.backend, "[midi] input_name (the port name + ' in')"
                            if not config.midi.input_name else "[midi] input_name")
    except PortError as err:
        raise ConfigError(f"{origin}: {err}") from err
    return config


def parse(text: str, origin: str = CONFIG_NAME, base: Path | None = None) -> Config:
    """Validate TOML ``text``; a relative ``model.path`` is taken from ``base`` (else the
    current directory); left unset, it is the shipped model."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{origin}: TOML syntax error: {err}: fix that line") from err
    except RecursionError as err:
        raise ConfigError(f"{origin}: TOML nested too deeply: a settings file has one level "
                          f"of [tables]") from err
    config = _build(Config, table, origin, "")
    path = Path(config.model.path).expanduser()
    if is_name(config.model.path) and config.model.path in shipped_names():
        pass  # a shipped model's name: ModelSettings.directory finds it
    elif not path.is_absolute():
        # A path the file sets is read from the file's folder; the default is the
        # repository's shipped model wherever the file lives.
        if "path" in table.get("model", {}):
            path = (base or Path.cwd()) / path
        else:
            path = default_dir()
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, path=str(path)))
    chart = Path(config.chart).expanduser()
    if config.chart and not chart.is_absolute():
        # like model.path: a chart the file names is read from the file's folder, unless
        # it is a shipped chart's name (a bare word no file there is called)
        beside = (base or Path.cwd()) / chart
        if beside.exists() or len(chart.parts) > 1 or not _shipped_chart(config.chart):
            config = dataclasses.replace(config, chart=str(beside))
    return _cross_check(config, origin)


def _shipped_chart(name: str) -> bool:
    from improv.commands.charts import shipped_charts

    return name in shipped_charts()


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
    try:  # a BOM some editors write is fine
        text = read_limited(path, MAX_CONFIG_BYTES, "config file", ConfigError).decode("utf-8-sig")
    except FileNotFoundError as err:
        raise ConfigError(f"config file {path} does not exist: pass --config with an existing "
                          f"file or copy the repository's {CONFIG_NAME}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"config file {path} is not UTF-8 text ({err.reason} at byte "
                          f"{err.start}): save it as UTF-8") from err
    except OSError as err:
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
        meta = _keys(owner)[key].metadata
        value = check_value(kinds(owner)[key][0], meta, value, flag)
        if section:
            inner = dataclasses.replace(getattr(config, section), **{key: value})
            config = dataclasses.replace(config, **{section: inner})
        else:
            config = dataclasses.replace(config, **{key: value})
    return _cross_check(config, "command line")
