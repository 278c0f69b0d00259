"""The register a phrase keeps to (improv.language.register): windows inside low..high, at
least an octave wide, seeded; a render keeps to fewer pitches with "phrase" than with
"full", and "full" plays what improv played before windows existed."""

import mido
import numpy as np
import pytest

from improv.language.register import MIN_WIDTH, Registers, register_stream
from improv.cli import main
from improv.language.grammar import PitchLimits

from randmodel import write_random_model


@pytest.mark.parametrize("low,high", [(52, 84), (40, 100), (60, 75), (0, 20), (110, 127)])
def test_windows_stay_inside_the_limits_and_span_an_octave(low, high):
    registers = Registers(PitchLimits(low, high), np.random.default_rng(5))
    for _ in range(500):
        w = registers.next_window()
        assert low <= w.low and w.high <= high
        assert w.high - w.low >= min(MIN_WIDTH, high - low)


def test_limits_narrower_than_an_octave_are_the_window():
    registers = Registers(PitchLimits(60, 60), np.random.default_rng(0))
    assert registers.next_window() == PitchLimits(60, 60)


def test_windows_move_and_are_not_the_whole_range():
    registers = Registers(PitchLimits(52, 84), np.random.default_rng(1))
    windows = [registers.next_window() for _ in range(200)]
    assert len({w.low for w in windows}) > 3
    assert all(w.high - w.low < 32 for w in windows)


def test_the_same_seed_draws_the_same_windows_without_moving_the_parts_stream():
    def windows(seed):
        rng = np.random.default_rng(seed)
        registers = Registers(PitchLimits(52, 84), register_stream(rng))
        return [registers.next_window() for _ in range(50)], rng.random()

    a, b, c = windows(3), windows(3), windows(4)
    assert a == b and a[0] != c[0]
    assert a[1] == np.random.default_rng(3).random()  # the part's own stream untouched


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m")


def solo(model, tmp_path, register=None, seed="2", bars="64"):
    args = ["play", "--model", str(model), "--out", str(tmp_path / f"{register}.mid"), "-q",
            "--seed", seed, "--bars", bars]
    if register is not None:
        config = tmp_path / f"{register}.toml"
        config.write_text(f'[melody]\nregister = "{register}"\n')
        args += ["--config", str(config)]
    assert main(args) == 0
    midi = mido.MidiFile(tmp_path / f"{register}.mid")
    return midi, [m.note for m in midi.tracks[1] if m.type == "note_on" and m.velocity]


def test_a_phrase_register_uses_fewer_pitches_than_the_full_one(model, tmp_path):
    """Over 64-bar renders (seeds 1-3) of the random model: fewer distinct pitches."""
    counts = {"full": 0, "phrase": 0}
    for seed in ("1", "2", "3"):
        for register in counts:
            _, pitches = solo(model, tmp_path, register, seed=seed)
            assert all(44 <= p <= 88 for p in pitches)  # the default limits, Ab2..E6
            counts[register] += len(set(pitches))
    assert counts["phrase"] < counts["full"]


def test_full_is_the_default(model, tmp_path):
    _, default = solo(model, tmp_path, None, bars="16")
    _, full = solo(model, tmp_path, "full", bars="16")
    assert default == full


def test_full_plays_the_notes_of_a_part_without_windows(model, tmp_path, monkeypatch):
    """"full" draws no window: the notes are those of the part with the window code
    taken out (``_phrase_limits`` always the whole of low..high, no registers)."""
    from improv.band import melody

    full_midi, _ = solo(model, tmp_path, "full", bars="16")
    monkeypatch.setattr(melody.MelodyPart, "_phrase_limits", lambda self, v, c: self._limits)
    monkeypatch.setattr(melody, "Registers", None)  # never built with "full"
    other = tmp_path / "again"
    other.mkdir()
    again_midi, _ = solo(model, other, "full", bars="16")
    assert [list(t) for t in full_midi.tracks] == [list(t) for t in again_midi.tracks]
