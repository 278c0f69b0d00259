"""Musical figures of a melody, and ``improv eval`` beside the Weimar band."""

import json
import shutil
from pathlib import Path

import pytest

from improv.cli import main
from improv.language.harmony import parse_chord
from improv.performing.solofigures import FIGURES, band, solo_figures

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
