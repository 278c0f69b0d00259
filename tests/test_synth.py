"""The built-in synth: a WAV render measured on its samples; what is missing is one line."""

import wave

import numpy as np
import pytest

from improv.cli import main
from improv.errors import MissingDependencyError
from improv.language.harmony import parse_chord
from improv.band.note import Note
from improv.midi.synth import SynthSettings, find_soundfont, fluidsynth_module, render_wav

from randmodel import write_random_model


def synth_missing() -> str | None:
    try:
        fluidsynth_module()
        find_soundfont()
    except MissingDependencyError as err:
        return str(err)
    return None


needs_synth = pytest.mark.skipif(synth_missing() is not None,
                                 reason=f"FluidSynth or a soundfont is absent: {synth_missing()}")
C7 = parse_chord("C7")


def read_wav(path):
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (2, 2)
        rate = wav.getframerate()
        frames = np.frombuffer(wav.readframes(wav.getnframes()), np.int16).reshape(-1, 2)
    return rate, frames.astype(np.float64)


def rms(frames, rate, start_s, end_s):
    part = frames[int(start_s * rate):int(end_s * rate)]
    return float(np.sqrt((part ** 2).mean()))


@needs_synth
def test_a_wav_has_sound_at_the_notes_and_silence_in_long_rests(tmp_path):
    # at 120 BPM a beat is 0.5 s: notes on beats 0-1 and 6-7, a long rest between
    notes = [Note(0.0, 1.0, 1, 64, 100, "melody", C7, 1), Note(0.0, 1.0, 2, 48, 80, "comping", C7, 1),
             Note(6.0, 7.0, 1, 67, 100, "melody", C7, 2)]
    out = tmp_path / "solo.wav"
    done = render_wav(notes, out, tempo=120.0, beats=12.0, settings=SynthSettings(),
                      programs={1: 67, 2: 1})
    rate, frames = read_wav(out)
    assert len(frames) == 7 * rate == done["frames"]  # 12 beats at 120 BPM, a second of tail
    assert done["music_seconds"] == 6.0
    loud = rms(frames, rate, 0.02, 0.45)
    assert loud > 300                                 # the first notes sound
    assert rms(frames, rate, 3.02, 3.45) > 300         # beat 6: the third note
    assert rms(frames, rate, 1.9, 2.9) < loud / 100   # the rest, after the release tail
    assert rms(frames, rate, 5.0, 7.0) < loud / 100
    assert np.abs(frames).max() < 32767 and done["peak"] < 32767  # no clipping
    peak = 20 * np.log10(np.abs(frames).max() / 32768)
    assert -1.1 < peak <= -0.99 and abs(done["peak_dbfs"] - peak) < 0.01  # normalised to -1 dBFS
    onset = np.argmax(np.abs(frames[int(2.9 * rate):, 0]) > 200) / rate + 2.9
    assert 3.0 <= onset < 3.03  # the note at beat 6 starts on time


@needs_synth
def test_out_wav_renders_the_bars_at_the_tempo(tmp_path, capsys):
    model = write_random_model(tmp_path / "m")
    out = tmp_path / "solo.wav"
    assert main(["play", "--model", str(model), "--out", str(out), "--bars", "4", "--tempo",
                 "100", "--seed", "5", "--time", "3/4"]) == 0
    rate, frames = read_wav(out)
    assert len(frames) == round(4 * 3 * 60 / 100 * rate) + rate  # the bars, a second of tail
    assert np.abs(frames).max() > 1000
    assert "x real time" in capsys.readouterr().err


def test_a_missing_soundfont_is_one_line_and_exit_2(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(f'[synth]\nsoundfont = "{tmp_path / "none.sf2"}"\n')
    model = write_random_model(tmp_path / "m")
    out = tmp_path / "solo.wav"
    assert main(["play", "--config", str(config), "--model", str(model), "--out", str(out),
                 "--bars", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.sf2" in err[0] and "apt install" in err[0]
    assert not out.exists()


def test_missing_fluidsynth_says_which_packages_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_fluidsynth(name, *args, **kwargs):
        if name == "fluidsynth":
            raise ImportError("Couldn't find the FluidSynth library.")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fluidsynth)
    with pytest.raises(MissingDependencyError) as err:
        fluidsynth_module()
    assert "apt install libfluidsynth3" in str(err.value) and "pip install pyfluidsynth" in str(err.value)


@pytest.mark.e2e
@needs_synth
def test_synth_plays_live_through_jack_and_stops_cleanly(jack, tmp_path):
    """``--synth`` with the JACK driver: an audio client appears, the bars play, exit 0."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    model = write_random_model(tmp_path / "m")
    proc = subprocess.Popen([sys.executable, str(repo / "daemon.py"), "--synth", "--model",
                             str(model), "--bars", "4", "--tempo", "240", "--seed", "3"],
                            cwd=repo, env=dict(jack.env, IMPROV_SYNTH_DRIVER_TEST="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ports = ""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "improv synth" not in ports and proc.poll() is None:
        ports = subprocess.run(["jack_lsp"], env=jack.env, capture_output=True,
                               text=True).stdout
        time.sleep(0.2)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "improv synth" in ports, ports
    assert "the built-in synth (FluidSynth, jack)" in err


def test_program_changes_name_each_part_and_zero_leaves_the_instrument_alone():
    import dataclasses

    from improv.commands import config
    from improv.commands.sound import program_changes

    cfg = config.default()
    sent = {(m.channel, m.program) for m in program_changes(cfg)}
    # tenor sax on channel 1, piano on 2, acoustic bass on 3 (0-based on the wire); the
    # drums' channel 10 keeps its GM kit (program 0: none sent)
    assert sent == {(0, 66), (1, 0), (2, 32)}
    quiet = dataclasses.replace(cfg, melody=dataclasses.replace(cfg.melody, program=0))
    assert {(m.channel, m.program) for m in program_changes(quiet)} == {(1, 0), (2, 32)}
