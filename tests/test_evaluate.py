"""Musical figures of a melody, and ``improv eval`` beside the Weimar band."""

import json
import shutil
from pathlib import Path

import pytest

from improv.cli import main
from improv.language.harmony import parse_chord
from improv.analysis.solofigures import FIGURES, band, solo_figures

from randmodel import write_random_model

C7 = parse_chord("C7")
WJD = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wjazzd"


def test_figures_of_a_small_melody():
    # C E E G, a beat each, then two beats of rest; Db is outside C7's scale
    notes = [(0, 1, 60, C7), (1, 2, 64, C7), (2, 3, 64, C7), (3, 4, 79, C7), (4, 4.5, 61, C7)]
    f = solo_figures(notes, 8.0)
    assert f["chord_tones"] == 4 / 5 and f["scale_tones"] == 4 / 5
    assert f["repeated"] == 1 / 4 and f["mean_interval"] == (4 + 0 + 15 + 18) / 4
    assert f["leaps"] == 2 / 4 and f["notes_per_beat"] == 5 / 8
    assert f["silence"] == 1 - 4.5 / 8 and f["distinct_pitches"] == 4
    assert set(f) == {k for k, _, _ in FIGURES}
    assert solo_figures([], 8.0)["silence"] == 1.0


def test_overlapping_notes_count_once_as_sounding():
    f = solo_figures([(0, 2, 60, C7), (1, 3, 64, C7)], 4.0)
    assert f["silence"] == 0.25


def test_band_is_per_figure_percentiles():
    figs = [dict.fromkeys((k for k, _, _ in FIGURES), float(v)) for v in range(11)]
    assert band(figs)["repeated"] == (1.0, 9.0)


def test_eval_prints_figures_beside_the_band(tmp_path, capsys):
    if not (WJD / "melody").is_dir():
        pytest.skip("the Weimar Jazz Database is absent")
    folder = tmp_path / "wjazzd"
    for sub in ("melody", "beats"):
        (folder / sub).mkdir(parents=True)
        for name in ("ZootSims_KingDavid_Solo.csv", "ArtPepper_Desafinado_Solo.csv"):
            shutil.copy(WJD / sub / name, folder / sub / name)
    model = write_random_model(tmp_path / "m")
    assert main(["eval", "--model", str(model), "--bars", "8", "--wjazzd", str(folder),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bars"] == 8 and out["solos"] == 2
    assert set(out["figures"]) == set(out["band"]) == {k for k, _, _ in FIGURES}


def test_eval_without_the_database_is_one_line(tmp_path, capsys):
    assert main(["eval", "--wjazzd", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--wjazzd" in err[0]


def decode_png(data: bytes):
    """The RGB pixels of a PNG that png_bytes wrote (filter 0 scanlines)."""
    import struct
    import zlib

    import numpy as np

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == \
            zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2) and b"IEND" in chunks
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(height, width, 3)


def test_piano_roll_puts_notes_on_their_rows_over_the_chord_tones():
    from improv.analysis.pianoroll import CHORD_TONE, NOTE, SCALE, piano_roll, png_bytes

    image = piano_roll([(0, 1, 64), (2, 3, 61)], [(0, 4, C7)], 4, low=60, high=72,
                       px_beat=10, px_pitch=4)
    assert image.shape == (13 * 4, 40, 3)
    row = lambda pitch: (72 - pitch) * 4 + 2  # noqa: E731
    assert tuple(image[row(64), 5]) == NOTE            # E, beat 1
    assert tuple(image[row(61), 25]) == NOTE           # Db, beat 3
    assert tuple(image[row(67), 5]) == CHORD_TONE      # G: a chord tone of C7, no note
    assert tuple(image[row(62), 5]) == SCALE           # D: in its scale
    assert (decode_png(png_bytes(image)) == image).all()


def test_eval_draws_a_piano_roll_and_takes_a_standards_name(tmp_path, capsys):
    if not (WJD / "melody").is_dir():
        pytest.skip("the Weimar Jazz Database is absent")
    folder = tmp_path / "wjazzd"
    for sub in ("melody", "beats"):
        (folder / sub).mkdir(parents=True)
        shutil.copy(WJD / sub / "ZootSims_KingDavid_Solo.csv", folder / sub)
    model = write_random_model(tmp_path / "m")
    png = tmp_path / "roll.png"
    assert main(["eval", "--model", str(model), "--bars", "20", "--wjazzd", str(folder),
                 "--progression", "giant-steps", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "piano roll of the first 16 bars" in out
    pixels = decode_png(png.read_bytes())
    assert pixels.shape[1] == 16 * 4 * 24
    from improv.analysis.pianoroll import NOTE
    assert (pixels == NOTE).all(axis=2).any()
    assert main(["eval", "--model", str(model), "--wjazzd", str(folder),
                 "--png", str(tmp_path / "no" / "roll.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--png" in err[0]
