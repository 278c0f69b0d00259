"""benchmarks/onset_places.py without the corpus: the table of onsets by twelfth of the
beat and of the gaps from each on hand-made places, improv's places as written whatever
the settings' feel, and the one line it prints without the corpus."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import onset_places as places  # noqa: E402

from improv.language.grammar import GRID_ONSETS  # noqa: E402


def test_the_table_gives_each_twelfths_share_and_the_gaps_from_it():
    # on the beat: two eighths and a quarter later; on the third triplet: two triplets
    # and one eighth (landing on the second sextuplet); a gap of 5 counts as longer
    pairs = Counter({(0, 6): 2, (0, 12): 1, (8, 4): 2, (8, 6): 1, (9, 5): 1})
    on, gaps = places.table(pairs)
    assert on[0] == pytest.approx(3 / 7) and on[8] == pytest.approx(3 / 7)
    assert on.sum() == pytest.approx(1.0) and on[1] == 0.0
    col = {g: k for k, g in enumerate(places.GAPS)}
    assert gaps[0, col[6]] == pytest.approx(2 / 3) and gaps[0, col[12]] == pytest.approx(1 / 3)
    assert gaps[8, col[4]] == pytest.approx(2 / 3) and gaps[8, col[6]] == pytest.approx(1 / 3)
    assert gaps[9, -1] == 1.0  # not one of the columns: longer, with the rest
    assert np.allclose(gaps[[0, 8, 9]].sum(axis=1), 1.0) and gaps[1].sum() == 0.0


def test_improv_is_placed_as_written_whatever_the_settings_feel(tmp_path):
    """Rendered with settings that swing and play the learned feel, the places are still
    the written ones: every onset on the rhythm grid, every gap a whole number of
    twelfths, and the same places as with the defaults."""
    config = tmp_path / "swung.toml"
    config.write_text("[feel]\ntiming = \"learned\"\nswing = 1.0\n", encoding="utf-8")
    job = {"name": "blues", "seed": 7, "tempo": 140.0, "metre": 4,
           "bars": [[[0, "C7"]], [[0, "F7"]], [[0, "C7"]], [[0, "C7"]]] * 2}
    placed = places.improv_places(job, config)
    assert len(placed) > 20
    assert {t for t, _ in placed} <= set(GRID_ONSETS) and all(g > 0 for _, g in placed)
    assert placed == places.improv_places(job, None)


def test_without_the_corpus_it_says_so_in_one_line(tmp_path, capsys):
    assert places.main(["--wjazzd", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--wjazzd" in err
    (tmp_path / "melody").mkdir()
    assert places.main(["--wjazzd", str(tmp_path), "--every", "0"]) == 2
    assert "--every" in capsys.readouterr().err
