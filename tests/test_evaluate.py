"""Musical figures of a melody, and ``improv eval`` beside the Weimar band."""

import json
import shutil

import pytest

from improv.cli import main
from improv.language.harmony import parse_chord
from improv.analysis.solofigures import FIGURES, band, solo_figures

from randmodel import write_random_model
from weimar import WJD, weimar_copy

C7 = parse_chord("C7")


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


def read_png(data: bytes):
    """The RGB pixels (0-255) of a PNG file, read back by matplotlib."""
    import io

    from matplotlib.image import imread

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return (imread(io.BytesIO(data), format="png")[..., :3] * 255).round().astype(int)


def rgb(colour) -> tuple[int, int, int]:
    from matplotlib.colors import to_rgb

    return tuple(round(255 * c) for c in to_rgb(colour))


def test_piano_roll_puts_notes_on_their_rows_over_the_chord_tones():
    import io

    from matplotlib.patches import Rectangle

    from improv.analysis.pianoroll import (CHORD_TONE, COLOURS, SCALE, SHADE_STEPS,
                                           piano_roll, shading, write_png)

    shade = shading([(0, 4, C7)], 4, 60, 72)
    assert shade.shape == (13, 4 * SHADE_STEPS, 3)
    assert tuple(shade[67 - 60, 5]) == CHORD_TONE      # G: a chord tone of C7
    assert tuple(shade[62 - 60, 5]) == SCALE           # D: in its scale
    assert tuple(shade[61 - 60, 5]) == (1, 1, 1)       # Db: neither
    parts = {"melody": [(0, 1, 64), (2, 3, 61)], "comping": [(0, 4, 58), (0, 4, 64)]}
    figure = piano_roll(parts, [(0, 4, C7), (4, 8, parse_chord("F7"))], 8)
    ax = figure.axes[0]
    boxes = [(r.get_x(), r.get_y() + 0.4, r.get_facecolor()[:3]) for r in ax.patches
             if isinstance(r, Rectangle)]
    melody, comping = rgb(COLOURS["melody"]), rgb(COLOURS["comping"])
    as_rgb = lambda c: tuple(round(255 * v) for v in c)  # noqa: E731
    assert sorted((x, round(y), as_rgb(c)) for x, y, c in boxes) == sorted(
        [(0, 64, melody), (2, 61, melody), (0, 58, comping), (0, 64, comping)])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]  # bar numbers
    assert {"C4", "E4", "Bb3"} <= {t.get_text() for t in ax.get_yticklabels()}
    assert [t.get_text() for t in ax.texts] == ["C7", "F7"]  # a symbol over each change
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["melody", "comping"]
    out = io.BytesIO()
    write_png(figure, out)
    pixels = read_png(out.getvalue())
    for colour in (melody, comping):
        assert (pixels == colour).all(axis=2).any()


def test_eval_draws_a_piano_roll_and_takes_a_standards_name(tmp_path, capsys):
    if not (WJD / "melody").is_dir():
        pytest.skip("the Weimar Jazz Database is absent")
    folder = weimar_copy(tmp_path, "ZootSims_KingDavid_Solo.csv")
    model = write_random_model(tmp_path / "m")
    png = tmp_path / "roll.png"
    assert main(["eval", "--model", str(model), "--bars", "20", "--wjazzd", str(folder),
                 "--progression", "giant-steps", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "piano roll of the first 16 bars" in out
    pixels = read_png(png.read_bytes())
    from improv.analysis.pianoroll import COLOURS
    for part in ("melody", "comping"):  # the solo and the chords, each in its colour
        assert (pixels == rgb(COLOURS[part])).all(axis=2).any(), part
    assert main(["eval", "--model", str(model), "--wjazzd", str(folder),
                 "--png", str(tmp_path / "no" / "roll.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--png" in err[0]


def test_a_piano_roll_without_matplotlib_is_one_line_before_any_work(tmp_path, capsys,
                                                                      monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as if not installed
    # an empty --wjazzd would be the error if the band were read first: it is not
    assert main(["eval", "--wjazzd", str(tmp_path), "--png", str(tmp_path / "r.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "improv[plot]" in err[0] and "matplotlib" in err[0]
    assert not (tmp_path / "r.png").exists()


def test_eval_reads_the_shipped_band_and_save_band_rebuilds_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing of the checkout or the corpus around
    model = write_random_model(tmp_path / "m")
    assert main(["eval", "--model", str(model), "--bars", "8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["solos"] == 456 and set(out["band"]) == {k for k, _, _ in FIGURES}
    assert out["band"]["chord_tones"][0] < out["band"]["chord_tones"][1]
    assert main(["eval", "--save-band", str(tmp_path / "b.json")]) == 2
    assert "--wjazzd" in capsys.readouterr().err
    if not (WJD / "melody").is_dir():
        pytest.skip("the Weimar Jazz Database is absent")
    folder = weimar_copy(tmp_path, "ZootSims_KingDavid_Solo.csv")
    assert main(["eval", "--wjazzd", str(folder), "--save-band", str(tmp_path / "b.json")]) == 0
    saved = json.loads((tmp_path / "b.json").read_text())
    assert saved["solos"] == 1 and set(saved["band"]) == set(out["band"])


def test_an_evaluation_plays_at_its_tempo_feel_and_model_alike():
    from improv.commands.evaluate import settings_for

    # the learned timing and the model's tempo group read the feel's tempo: a render at
    # 260 BPM is not timed as one at 120 (it was, until 2026-12-04)
    assert settings_for(tempo=260).feel.tempo == 260
    assert settings_for().feel.tempo == settings_for().tempo
