"""Conflicts and likely mistakes are one line that says what to do, never a silent guess."""

import pytest

from improv.band.chart import Progression
from improv.errors import ChordError
from improv.language.harmony import parse_progression

from daemon_fakes import one_line_error
from randmodel import write_random_model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("m"))




def test_a_chart_and_a_progression_together_are_refused(model, tmp_path, capsys):
    out = str(tmp_path / "x.mid")
    one_line_error(capsys, ["play", "--model", str(model), "--chart", "blues-in-f",
                      "--progression", "F7", "--out", out], "--chart and --progression")
    one_line_error(capsys, ["eval", "--model", str(model), "--chart", "blues-in-f",
                      "--progression", "blues"], "--chart and --progression")


def test_commas_between_chords_say_that_bars_take_a_bar_line(model, tmp_path, capsys):
    with pytest.raises(ChordError, match=r"'\|' separates bars"):
        parse_progression("Dm7, G7, Cmaj7")
    assert len(parse_progression("C7(b9,#11) | F7")) == 2  # an alteration list is no list
    one_line_error(capsys, ["play", "--model", str(model), "--progression", "Dm7, G7, Cmaj7",
                      "--out", str(tmp_path / "x.mid")], "commas")
    assert not (tmp_path / "x.mid").exists()


def test_a_bar_holds_at_most_a_chord_per_sixteenth(model, tmp_path, capsys):
    assert Progression.parse(" ".join(["C7", "F7"] * 8)).bars == 1  # 16 in 4/4: fine
    with pytest.raises(ChordError, match="bar 2 has 17 chords: at most 16"):
        Progression.parse("F7 | " + " ".join(["C7"] * 17))
    with pytest.raises(ChordError, match="at most 12"):
        Progression.parse(" ".join(["C7"] * 13), 3)
    storm = tmp_path / "storm.txt"
    storm.write_text("| " + " ".join(["F7", "Bb7"] * 5000) + " |\n")
    one_line_error(capsys, ["play", "--model", str(model), "--chart", str(storm),
                      "--out", str(tmp_path / "x.mid")], "chords")


@pytest.mark.parametrize("text, expect", [
    ("swing = 0.6\n", "swing belongs in [feel]"),
    ("[feel]\ntempo = 100\n", "belongs in the top level"),
    ("[melody]\nchanel = 3\n", "did you mean 'channel'"),
    ("[comping]\nstyle = 'charlston'\n", "did you mean 'charleston'"),
])
def test_a_misplaced_or_misspelt_key_says_where_it_belongs(tmp_path, capsys, text, expect):
    config = tmp_path / "c.toml"
    config.write_text(text)
    one_line_error(capsys, ["play", "--config", str(config), "--list-ports"], expect)


def test_unknown_names_offer_the_closest_known_one(model, tmp_path, capsys):
    out = str(tmp_path / "x.mid")
    one_line_error(capsys, ["play", "--chart", "rhythm", "--out", out], "did you mean 'rhythm-changes'")
    one_line_error(capsys, ["play", "--model", "wjazz", "--out", out], "did you mean 'wjazzd'")


def test_the_daemon_names_itself_in_usage_and_errors():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "daemon.py", "--help"], cwd=repo,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("usage: daemon.py [-h]")
    done = subprocess.run([sys.executable, "daemon.py", "--bogus"], cwd=repo,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("daemon.py: error: unrecognized")
