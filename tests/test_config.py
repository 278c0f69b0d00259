"""config.toml: defaults, validation one-liners, command-line overrides."""

import re
import tomllib
from pathlib import Path

import pytest

from improv.commands import config
from improv.errors import ConfigError
from improv.model import modelfile

REPO = Path(__file__).resolve().parent.parent


def test_repository_file_equals_builtin_defaults():
    assert config.load(REPO / "config.toml") == config.default()


def test_every_key_of_the_file_is_documented_by_a_comment_above_it():
    lines = (REPO / "config.toml").read_text(encoding="utf-8").splitlines()
    table = tomllib.loads("\n".join(lines))
    keys = [k for k, v in table.items() if not isinstance(v, dict)]
    keys += [k for v in table.values() if isinstance(v, dict) for k in v]
    # every schema key is present in the shipped file (model.path as a commented example:
    # left unset, it means the shipped model wherever the file is copied)
    schema = config.default()
    assert set(table) == {"tempo", "progression", "time", "chart", "seed", "style",
                          "count_in", *config._sections()}
    for section, kind in config._sections().items():
        optional = {"path"} if section == "model" else set()
        assert set(table[section]) | optional == set(config._keys(kind))
        assert set(config._keys(kind)) <= set(vars(getattr(schema, section)))
    assert "# path = " in "\n".join(lines)
    for number, line in enumerate(lines):
        match = re.match(r"^(\w+)\s*=", line)
        if not match:
            continue
        above = number - 1
        while above >= 0 and re.match(r"^\w+\s*=", lines[above]):
            above -= 1  # keys documented together (low/high) share one comment
        assert lines[above].startswith("#"), f"key {match.group(1)} has no comment above it"


def test_relative_model_path_is_taken_from_the_config_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[model]\npath = "models/x"\n')
    assert config.load(path).model.path == str(tmp_path.resolve() / "models" / "x")


def test_a_copied_config_without_a_model_path_uses_the_shipped_model(tmp_path):
    copy = tmp_path / "config.toml"
    copy.write_text("tempo = 140\n")
    assert config.load(copy).model.path == str(modelfile.default_dir())
    full = tmp_path / "full.toml"
    full.write_text((REPO / "config.toml").read_text(encoding="utf-8"))
    assert config.load(full).model.path == str(modelfile.default_dir())


def test_melody_and_comping_may_not_share_a_channel():
    with pytest.raises(ConfigError, match="share MIDI channel 2"):
        config.parse("[melody]\nchannel = 2\n")
    assert config.parse("[melody]\nchannel = 2\n[comping]\nenabled = false\n").melody.channel == 2


def test_missing_default_file_falls_back_to_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config.load(None) == config.default()


@pytest.mark.parametrize("text, words", [
    ("tempo = 1000", ["tempo", "out of range", "20", "400"]),
    ("tempo = 0", ["tempo", "out of range"]),
    ("tempo = 'fast'", ["tempo", "wrong type"]),
    ("tempo = true", ["tempo", "wrong type"]),
    ("[melody]\nchannel = 17", ["[melody] channel", "1 to 16"]),
    ("[melody]\nchannel = 2.5", ["[melody] channel", "wrong type"]),
    ("[melody]\nlow = 70\nhigh = 75", ["octave"]),
    ("[feel]\nswing = 1.5", ["[feel] swing", "0 to 1"]),
    ("[feel]\nswing = nan", ["[feel] swing", "finite"]),
    ("[midi]\nbackend = 'oss'", ["[midi] backend", "'jack'"]),
    ("[midi]\nport_name = '  '", ["port_name", "empty"]),
    ("[sampling]\ntop_p = 0", ["[sampling] top_p", "out of range"]),
    ("[model]\nbackend = 'numpy'", ["[model] backend", "has moved", "[model] engine"]),
    ("[model]\ntemperature = 1.0", ["[model] temperature", "has moved", "[sampling] temperature"]),
    ("[model]\nengine = 'torch'", ["[model] engine", "'numpy', 'keras'"]),
    ("seed = -2", ["seed", "out of range"]),
    ("tempi = 120", ["tempi", "not a known key"]),
    ("[melody]\nchanel = 3", ["[melody] chanel", "not a known key", "channel"]),
    ("[colour]\nx = 1", ["colour", "not a known key"]),
    ("melody = 1", ["melody", "table"]),
    ("progression = 'F7 | H7'", ["progression", "'H7'"]),
    ("progression = 'F7 || Bb7'", ["progression", "empty"]),
    ("tempo = = 3", ["TOML syntax error", "line 1"]),
    ("[melody\nchannel = 1", ["TOML syntax error"]),
])
def test_bad_values_are_one_line_errors_naming_file_and_key(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for word in words:
        assert word in message


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        config.load(tmp_path / "nope.toml")
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        config.load(tmp_path / "bin.toml")


def test_overrides_validate_with_the_flag_name():
    base = config.default()
    changed = config.override(base, {"tempo": ("--tempo", 200.0),
                                     "comping.enabled": ("--no-comping", False),
                                     "midi.backend": ("--backend", "jack"),
                                     "seed": ("--seed", None)})
    assert changed.tempo == 200.0 and not changed.comping.enabled
    assert changed.midi.backend == "jack" and changed.seed == base.seed
    for value in (0.0, -5.0, 1000.0, float("inf")):
        with pytest.raises(ConfigError, match=r"^--tempo .* it must be a number from 20 to 400"):
            config.override(base, {"tempo": ("--tempo", value)})
    with pytest.raises(ConfigError, match="^--channel 17 is out of range"):
        config.override(base, {"melody.channel": ("--channel", 17)})
    with pytest.raises(ConfigError, match="command line: progression"):
        config.override(base, {"progression": ("--progression", "F7 | Xyz")})


@pytest.mark.parametrize("text, words", [
    ("[sync]\nmode = 'clock'\nclock_out = true\n", ["clock_out goes with mode = 'internal'"]),
    ("[midi]\ninput_connect = 'DAW'\n[knobs]\nenabled = false\n", ["nothing listens"]),
])
def test_sync_settings_that_do_not_go_together(text, words):
    with pytest.raises(ConfigError) as info:
        config.parse(text)
    assert all(w in str(info.value) for w in words)


def test_the_input_name_is_checked_only_when_the_input_is_used():
    long = "x" * 61  # + " in" would be 64 bytes
    quiet = "[knobs]\nenabled = false\n"
    assert config.parse(f"[midi]\nport_name = '{long}'\n{quiet}").midi.port_name == long
    with pytest.raises(ConfigError, match="input_name"):
        config.parse(f"[midi]\nport_name = '{long}'\n[sync]\nmode = 'clock'\n{quiet}")
    with pytest.raises(ConfigError, match="input_name"):  # knobs listen by default
        config.parse(f"[midi]\nport_name = '{long}'\n")
