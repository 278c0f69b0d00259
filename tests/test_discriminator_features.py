"""The discriminator benchmark's pure parts on hand-made notes: performed beats, the
4-bar windows, a few features, the n-gram ratio, and reading a Weimar CSV pair into
both sides (benchmarks/discriminator.py). Needs neither the corpus nor sklearn (the
one line the benchmark prints without sklearn is checked)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import _windows as win  # noqa: E402

from improv.language.harmony import NO_CHORD, parse_chord  # noqa: E402

C7 = parse_chord("C7")


def test_performed_beats_interpolate_between_marked_beats_and_extrapolate():
    beats = [0.0, 0.5, 1.0, 1.6]
    got = win.performed_beats(beats, [0.25, 0.5, 1.3, 1.9, -0.1])
    assert got == pytest.approx([0.5, 1.0, 2.5, 3.5, -0.2])


def _take(notes, bars=9, metre=4, chords=None):
    starts = [k * metre for k in range(bars)]
    return win.make_take("t", notes, starts, bars * metre, chords or [C7] * (bars * metre))


def test_windows_follow_the_bar_grid_and_skip_sparse_and_partial_ones():
    notes = [(0, 1, 60), (1, 2, 62), (4.5, 5, 64), (15.98, 16.2, 61), (8, 9, 60),  # window 0
             (15.5, 15.9, 61),
             (16, 17, 60), (20, 21, 62), (30, 31, 64),  # window 1: three notes, skipped
             (32, 33, 60), (33, 34, 60), (34, 35, 60), (35, 36, 60)]  # bar 9 only: no window
    got = win.cut_windows(_take(notes, chords=[C7] * 16 + [NO_CHORD] * 20))
    assert [w.index for w in got] == [0]
    w = got[0]
    assert w.length == 16 and w.on.tolist() == [0, 1, 4.5, 8, 15.5, 15.98]
    assert w.pitch.tolist() == [60, 62, 64, 60, 61, 61]
    # over C7: C, D (scale), E, C, Db (approach); a Db a hair before beat 16 counts on
    # beat 16's chord, no chord (every pitch a scale tone)
    assert w.kind.tolist() == ["C", "S", "C", "C", "A", "S"]


def test_windows_of_an_irregular_bar_grid_and_no_chord():
    notes = [(k * 0.5, k * 0.5 + 0.5, 60 + k) for k in range(40)]
    take = win.make_take("w", notes, [0, 4, 7, 11, 15, 19], 23, [NO_CHORD] * 23)
    (w,) = win.cut_windows(take)
    assert w.length == 15 and len(w.on) == 30 and set(w.kind.tolist()) == {"S"}


def _window(on, dur, pitch, length=16.0, kinds=None):
    on = np.asarray(on, float)
    return win.Window("t", 0, length, on, on + np.asarray(dur, float), np.asarray(pitch),
                      np.asarray(kinds or ["C"] * len(on)))


def test_features_of_held_grid_eighths():
    f = win.window_features(_window([0, 0.5, 1, 1.5], [0.5] * 4, [60, 62, 64, 62], 2.0))
    assert f["articulation.held"] == 1.0 and f["articulation.staccato"] == 0.0
    assert f["phase.00/12"] == 0.5 and f["phase.06/12"] == 0.5 and f["phase.on_twelfths"] == 1.0
    assert f["microtiming.dev12_mean"] == 0.0
    assert f["intervals.mean_abs"] == 2.0 and f["intervals.abs_2"] == 1.0
    assert f["contour.turns"] == 0.5 and f["contour.max_run"] == 2
    assert f["register.range"] == 4 and f["register.distinct"] == 3
    assert f["rests.silent_share"] == 0.0 and f["durations.0.45-0.55"] == 1.0


def test_features_of_short_performed_notes():
    f = win.window_features(_window([0.03, 0.61, 1.0, 1.58, 6.0], [0.12] * 5,
                                    [60, 60, 67, 60, 60], 8.0))
    assert f["durations.0.10-0.18"] == 1.0
    assert f["articulation.held"] == 0.0 and f["articulation.staccato"] == 1.0
    assert f["phase.on_twelfths"] == pytest.approx(0.4)  # 1.0 and 6.0 only
    assert f["rests.gaps_over_1"] == 1 and f["rests.longest_gap"] == pytest.approx(4.3)
    assert f["rests.silent_share"] == pytest.approx(1 - 0.6 / 8)
    assert f["microtiming.offbeat_mean"] == pytest.approx((0.61 + 0.58) / 2)


def test_repetition_measures():
    assert win.longest_repeat([60, 62, 64, 60, 62, 64, 65]) == 3
    assert win.longest_repeat([60, 60, 60, 60]) == 2  # repeats may not overlap
    assert win.longest_repeat([1, 2, 3]) == 0
    assert win.distinct_share([1, 2, 1, 2, 1], 2) == 0.5


def test_ngram_ratio_prefers_the_side_it_was_trained_on():
    up = [_window(np.arange(8) * 0.5, [0.5] * 8, 60 + 2 * np.arange(8)) for _ in range(6)]
    down = [_window(np.arange(8) * 0.25, [0.1] * 8, 80 - np.arange(8)) for _ in range(6)]
    seqs = [win.tokens(w) for w in up + down]
    for name, (order, size) in win.NGRAMS.items():
        ev = win.events([s[name] for s in seqs], order, size)
        train = np.array([True] * 4 + [False] * 2 + [True] * 4 + [False] * 2)
        first = np.arange(12) < 6
        llr = win.ngram_llr(ev, train & first, train & ~first)
        assert (llr[4:6] > 0).all() and (llr[10:12] < 0).all(), name


BEATS = """bar,bass_pitch,beat,chord,chorus_id,form,onset,signature
0,,4,,0,,0.0,
1,,1,,0,A1,0.5,4/4
1,,2,,0,,1.0,
1,,3,C7,0,,1.5,
1,,4,,0,,2.0,
2,,1,NC,0,,2.5,
2,,2,,0,,3.0,
2,,3,F-7,0,,3.5,
2,,4,,0,,4.0,
"""
MELODY = """bar,beat,beatdur,denom,division,duration,num,onset,period,pitch,subtatum,tatum
0,4,0.5,4,1,0.2,4,0.1,4,60.0,0,1
1,1,0.5,4,1,0.25,4,0.5,4,62.0,0,1
1,1,0.5,4,2,0.1,4,0.8,4,64.0,0,2
2,3,0.5,4,1,0.5,4,3.6,4,65.0,0,1
"""


def test_a_weimar_pair_becomes_both_sides(tmp_path):
    import discriminator
    from _render import chart_of

    (tmp_path / "melody").mkdir()
    (tmp_path / "beats").mkdir()
    (tmp_path / "melody" / "X_Solo.csv").write_text(MELODY)
    (tmp_path / "beats" / "X_Solo.csv").write_text(BEATS)
    weimar, job, improv = discriminator.read_weimar(tmp_path / "melody" / "X_Solo.csv", 1)
    # the pickup note is dropped; positions from the first bar line, performed
    assert weimar.notes[:, 0] == pytest.approx([0.0, 0.6, 6.2])
    assert weimar.notes[:, 1] == pytest.approx([0.5, 0.8, 7.2])
    assert weimar.bar_starts == (0, 4) and job["metre"] == 4 and job["tempo"] == 120
    # a missing first chord and NC are no chord
    assert job["bars"] == [[[0, "N.C."], [2, "C7"]], [[0, "NC"], [2, "F-7"]]]
    assert improv.chords[:3] == (NO_CHORD, NO_CHORD, C7) and improv.end == 8
    chart = chart_of(job)
    assert chart.beats_per_bar == 4 and chart.bars[1].chords[1][1] == parse_chord("Fm7")


def test_spread_and_seeds_are_fixed():
    import discriminator

    paths = [Path(f"{k:03d}") for k in range(10)]
    assert discriminator.spread(paths, 3) == [paths[0], paths[3], paths[6]]
    assert discriminator.spread(paths, None) == paths
    assert discriminator.seed_for("a", 1) == discriminator.seed_for("a", 1)
    assert discriminator.seed_for("a", 1) != discriminator.seed_for("b", 1)


def test_missing_sklearn_is_one_line_and_exit_2(monkeypatch, capsys):
    import discriminator

    monkeypatch.setattr(discriminator.importlib.util, "find_spec", lambda name: None)
    assert discriminator.main([]) == 2
    assert "pip install -e '.[bench]'" in capsys.readouterr().err



def _pair(tmp_path):
    import discriminator

    (tmp_path / "melody").mkdir()
    (tmp_path / "beats").mkdir()
    (tmp_path / "melody" / "X_Solo.csv").write_text(MELODY)
    (tmp_path / "beats" / "X_Solo.csv").write_text(BEATS)
    return discriminator.read_weimar(tmp_path / "melody" / "X_Solo.csv", 1)


def test_the_written_side_is_the_solos_written_line_from_its_first_bar_line(tmp_path):
    import discriminator

    weimar, job, _ = _pair(tmp_path)
    # the pickup dropped; each note where it is written (the tatums), to its written end
    assert job["solo"] == "X_Solo"
    assert [n[0] for n in job["line"]] == [0.0, 0.5, 6.0]
    assert [n[2] for n in job["line"]] == [62, 64, 65]
    assert job["line"][0][1] == 0.5 and job["line"][2][1] == pytest.approx(7.0)
    take = discriminator.written_take(weimar, job)
    assert take.notes.tolist() == job["line"] and take.bar_starts == weimar.bar_starts
    assert take.end == weimar.end and take.chords == weimar.chords


def test_the_time_feel_side_plays_the_written_line_as_the_melody_would(tmp_path):
    from _render import perform_line

    from improv.commands.evaluate import settings_for

    _, job, _ = _pair(tmp_path)
    job["line"] = [[k / 2, k / 2 + 0.5, 60 + k % 5] for k in range(16)] + [[9.0, 10.0, 67]]
    cfg = settings_for(None, tempo=120.0, seed=1)
    notes = np.array(perform_line(job, cfg))
    assert notes.tolist() == perform_line(job, cfg)  # seeded by the job
    written = {n[0] for n in job["line"]}
    starts = notes[:, 0]
    # every written note sounds, near its place (graces and runs may add quicker ones)
    for at in written:
        assert np.min(np.abs(starts - at)) < 0.2
    assert (notes[:, 1] > notes[:, 0]).all() and len(notes) >= len(written)
    assert not np.allclose(starts[:17], sorted(written))  # off the grid: a time feel
    still = perform_line(job, dataclasses.replace(cfg, feel=dataclasses.replace(cfg.feel,
                                                                                amount=0.0)))
    assert still == [[a, b, p] for a, b, p in job["line"]]  # amount 0: as written


def test_the_written_side_renders_improv_on_the_grid_unswung(tmp_path):
    from _render import render_jobs

    _, job, _ = _pair(tmp_path)
    notes = render_jobs([job], None, "written")["X_Solo"]
    assert notes and all(abs(a * 12 - round(a * 12)) < 1e-9 for a, _, _ in notes)
    # each held to the next onset, or to a rest's start on the grid
    assert all(abs(b * 12 - round(b * 12)) < 1e-9 for _, b, _ in notes)
