"""benchmarks/rhythm_ngrams.py without the corpus: the classes of the time between
onsets, its own AUC, held-out n-grams that hear an order only where it differs, the
pairs that differ most, and the one line it prints without the corpus."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import rhythm_ngrams as rn  # noqa: E402
from _windows import DUR_EDGES, Window  # noqa: E402


def window(on, off):
    on, off = np.array(on, float), np.array(off, float)
    return Window("s", 0, 16.0, on, off, np.full(len(on), 60), np.zeros(len(on), int))


def test_each_onset_gets_the_class_of_the_time_to_the_next_and_the_last_its_length():
    w = window([0.0, 0.5, 0.75, 2.0], [0.4, 0.7, 1.0, 2.2])
    classes = rn.ioi_classes(w)
    expected = np.searchsorted(DUR_EDGES, [0.5, 0.25, 1.25, 0.2], side="right")
    assert classes.tolist() == expected.tolist()
    assert rn.NAMES[classes[1]] == "0.18-0.3" and len(rn.NAMES) == len(DUR_EDGES) + 1
    assert rn.ioi_classes(window([], [])).tolist() == []


def test_auc_ranks_ties_half_and_folds_below_a_half():
    assert rn.auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert rn.auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 1.0  # folded
    assert rn.auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert rn.auc([0, 0, 1], [0.1, 0.3, 0.3]) == pytest.approx(0.75)  # one tie: half
    assert rn.auc([1, 1], [0.1, 0.2]) == 0.5  # one side only


def test_held_out_ngrams_hear_the_order_where_the_sides_differ():
    """Both sides play classes 2 and 3 equally often; the players keep one class in
    pairs (2 2 3 3), improv alternates (2 3 2 3): single classes cannot tell them
    apart, pairs can, every window scored by models that never saw its solo."""
    rng = np.random.default_rng(0)
    seqs, y, groups = [], [], []
    for g in range(40):
        start = int(rng.integers(2))
        seqs.append(np.array([2 + (k // 2 + start) % 2 for k in range(16)]))
        seqs.append(np.array([2 + (k + start) % 2 for k in range(16)]))
        y += [0, 1]
        groups += [g, g]
    y, groups = np.array(y), np.array(groups)
    assert rn.auc(y, -rn.held_out_llr(seqs, y, groups, 1)) < 0.6
    llr = rn.held_out_llr(seqs, y, groups, 2)
    assert rn.auc(y, -llr) == 1.0 and (llr[y == 0] > 0).all()  # the players' side: theirs


def test_the_pairs_that_differ_most_come_first():
    players = rn.pair_shares([np.array([2, 2, 3, 3, 2, 2])])
    improv = rn.pair_shares([np.array([2, 3, 2, 3, 2, 3])])
    assert sum(players.values()) == pytest.approx(1.0) and players[(2, 2)] == pytest.approx(0.4)
    rows = rn.differences(players, improv, top=3)
    assert rows[0][0] == (2, 2) and rows[1][0] == (3, 3)  # only the players': first
    assert rows[2][0] == (2, 3) and rows[2][1:3] == (pytest.approx(0.2), pytest.approx(0.6))
    assert all(r[3] >= 0 for r in rn.differences(players, improv))
    assert all(r[3] == 0 for r in rn.differences(players, players))
    assert rn.pair_shares([np.array([4])]) == Counter()


def test_without_the_corpus_it_says_so_in_one_line(tmp_path, capsys):
    assert rn.main(["--wjazzd", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--wjazzd" in err
