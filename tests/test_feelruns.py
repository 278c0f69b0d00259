"""A run in one subdivision keeps its time, a change of subdivision starts afresh
(improv.learning.feel.feelstyles serial_run / serial_change, TimeFeel.by_run, Levels.onset's
``run``); a player's eighth-note pairs swing by their own centre (step_kind_centres);
its lengths before a note and before a rest follow shapes of their own (kind_shapes)."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest

from improv.learning.feel.feelstyles import EIGHTH_STEP, GAP_EDGES, repeats_gap, styles
from improv.performance import levels as levels_mod
from improv.performance import feelparts, performer, timefeel


def test_a_gap_repeats_the_one_before_in_whole_twelfths_only():
    assert repeats_gap(0.5, 0.5) and repeats_gap(1 / 3, 1 / 3 + 1e-12)
    assert not repeats_gap(0.5, 0.25) and not repeats_gap(0.5, None)
    assert not repeats_gap(0.2, 0.2)  # a quintuplet is on no twelfth: no run of the grid


def _eighth_solos(rng, run_rho: float, change_rho: float, solos: int = 20):
    """Solos of onsets whose gaps alternate in blocks of eighths and of sixteenths (of
    2 to 8 gaps, so a change falls inside a beat or across a beat line): a gap that
    repeats the one before carries ``run_rho`` of the onset's push, one that changes it
    ``change_rho``."""
    levels, gaps, inside, beats = [], [], [], []
    for _ in range(solos):
        g: list[float] = []
        while len(g) < 399:  # eighths, sixteenths, eighths...
            g += [0.25 if g and g[-1] == 0.5 else 0.5] * int(rng.integers(2, 9))
        g = g[:399]
        noise = rng.standard_normal(400)
        z = noise.copy()
        for k in range(1, 400):
            rho = run_rho if k > 1 and g[k - 1] == g[k - 2] else change_rho
            z[k] = rho * z[k - 1] + np.sqrt(1 - rho * rho) * noise[k]
        levels.append([NormalDist().cdf(x) for x in z])
        gaps.append(g)
        where = np.concatenate(([0.0], np.cumsum(g)))
        inside.append([int(a) == int(b) for a, b in zip(where, where[1:])])
        beats.append([float(w).is_integer() for w in where])
    return levels, gaps, inside, beats


def test_the_serials_of_a_run_and_of_a_change_of_subdivision_are_learned_apart():
    levels, gaps, inside, beats = _eighth_solos(np.random.default_rng(7), 0.8, 0.0)
    learned = styles(levels, levels, onset_gaps=gaps, in_beat=inside, on_beat=beats)
    by_gap = learned["within"]["onset"]["serial_by_gap"]
    eighth = int(np.searchsorted(GAP_EDGES, 0.5, side="left"))
    for where in ("", "_in_beat"):
        assert by_gap[f"serial{where}_run"][eighth] == pytest.approx(0.8, abs=0.06)
        assert abs(by_gap[f"serial{where}_change"][eighth]) < 0.2  # measured, not a fallback
    assert by_gap["serial"][eighth] > 0.5  # pooled, as a table made before the split


def test_a_table_reads_the_run_serials_and_one_made_before_them_has_none():
    shipped = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    table = timefeel.TimeFeel.from_dict(shipped)
    (run_across, run_inside), (change_across, change_inside) = table.by_run
    eighth = int(np.searchsorted(table.by_gap[0], 0.5, side="left"))
    assert run_across[eighth] > change_across[eighth] + 0.1  # the players' own
    old = json.loads(json.dumps(shipped))
    for key in ("serial_run", "serial_in_beat_run", "serial_change", "serial_in_beat_change"):
        del old["style"]["within"]["onset"]["serial_by_gap"][key]
    assert timefeel.TimeFeel.from_dict(old).by_run == ()
    bad = json.loads(json.dumps(shipped))
    bad["style"]["within"]["onset"]["serial_by_gap"]["serial_run"] = [0.5]
    with pytest.raises(ValueError, match="run"):
        timefeel.TimeFeel.from_dict(bad)


def test_a_run_of_eighths_keeps_its_push_and_a_change_of_subdivision_lets_it_go():
    """Drawn with a run's serial 0.9 and a change's 0, onsets of a run move together and
    the first onset after the line changes its subdivision does not follow the one
    before."""
    shipped = timefeel.shipped()
    bins = len(shipped.by_gap[0]) + 1
    table = dataclasses.replace(
        shipped, by_run=(((0.9,) * bins, (0.9,) * bins), ((0.0,) * bins, (0.0,) * bins)),
        steps=())  # each onset drawn on its own
    ons = {}
    perf = performer.Performer(table, np.random.default_rng(8))
    start = Fraction(0)
    for k in range(3000):  # blocks of three eighths, then a quarter
        span = Fraction(1) if k % 4 == 3 else Fraction(1, 2)
        after = Fraction(1, 2) if k % 4 != 2 else Fraction(1)
        on, _ = perf.perform(start, start + span, 180.0, 1.0, False, next_span=after)
        ons[k] = on - float(start)
        start += span
    run = [(ons[k - 1], ons[k]) for k in ons if k % 4 == 2]  # the third eighth: a run
    change = [(ons[k - 1], ons[k]) for k in ons if k % 4 == 0 and k]  # after the quarter
    rho_run, rho_change = (np.corrcoef(np.array(p).T)[0, 1] for p in (run, change))
    assert rho_run > 0.5 > 0.2 > abs(rho_change)


def test_a_run_keeps_part_of_its_time_all_through_and_lets_it_go_at_a_change():
    """A run's serial 0.6 step to step, and RUN_SHARE of each onset held through the
    run: four onsets on, 0.2 + 0.8 x 0.5^4 = 0.25 where a step's serial carried on alone
    gives 0.6^4 = 0.13; after a change of subdivision (serial 0), nothing carries."""
    assert levels_mod.RUN_SHARE == 0.2
    shipped = timefeel.shipped()
    bins = len(shipped.by_gap[0]) + 1
    table = dataclasses.replace(
        shipped, by_run=(((0.6,) * bins, (0.6,) * bins), ((0.0,) * bins, (0.0,) * bins)),
        steps=())  # each onset drawn on its own
    perf = performer.Performer(table, np.random.default_rng(3))
    ons, start = [], Fraction(0)
    for k in range(9000):  # runs of eight eighths, then a quarter
        span = Fraction(1) if k % 9 == 8 else Fraction(1, 2)
        after = Fraction(1, 2) if k % 9 != 7 else Fraction(1)
        on, _ = perf.perform(start, start + span, 180.0, 1.0, False, next_span=after)
        ons.append(on - float(start))
        start += span
    ons = np.array(ons)

    def corr(first, lag):  # onsets at ``first`` in each block of 9 with those ``lag`` on
        at = np.arange(first, len(ons) - lag, 9)
        return np.corrcoef(ons[at], ons[at + lag])[0, 1]

    assert abs(corr(3, 1) - 0.6) < 0.08
    assert corr(2, 4) > 0.18 and corr(2, 4) > 0.6 ** 4 + 0.05
    assert abs(corr(7, 3)) < 0.08  # from a run's end across the quarter into the next


def test_a_solos_eighth_pairs_and_its_other_steps_have_their_own_centres():
    rng = np.random.default_rng(2)
    onset_levels, step_levels, first, gaps = [], [], [], []
    for eighth_centre, other in ((0.8, -0.3), (-0.6, 0.4)):
        z = rng.standard_normal(300)
        onset_levels.append([NormalDist().cdf(x) for x in z])
        kinds = [EIGHTH_STEP if k % 2 else 3 for k in range(150)]
        centres = np.where(np.array(kinds) == EIGHTH_STEP, eighth_centre, other)
        steps = centres + 0.5 * rng.standard_normal(150)
        step_levels.append([NormalDist().cdf(x) for x in steps])
        first.append(list(range(0, 300, 2)))
        gaps.append(kinds)
    learned = styles(onset_levels, onset_levels, step_levels=step_levels, step_first=first,
                     step_gaps=gaps)
    assert np.allclose(learned["step_kind_centres"], [[0.8, -0.3], [-0.6, 0.4]], atol=0.15)
    # each step's spread is around its own kind's centre, not the pooled one
    assert learned["within"]["step"]["sd"] == pytest.approx(0.5, abs=0.1)
    alone = styles(onset_levels, onset_levels, step_levels=step_levels, step_first=first)
    assert "step_kind_centres" not in alone and alone["within"]["step"]["sd"] > 0.6


def test_the_performer_swings_eighth_pairs_by_the_players_own_eighth_centre():
    shipped = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    table = timefeel.TimeFeel.from_dict(shipped)
    assert len(table.step_kind_centres) == len(table.styles)
    name = table.style_names[0]
    hard = dataclasses.replace(table, step_kind_centres=((1.5, -1.5),) * len(table.styles))
    soft = dataclasses.replace(table, step_kind_centres=((-1.5, 1.5),) * len(table.styles))

    def mean_step(t) -> float:
        perf = performer.Performer(t, np.random.default_rng(9), solo=name)
        steps = []
        for k in range(0, 400, 2):  # eighth pairs at 180 BPM
            on, _ = perf.perform(Fraction(k, 2), Fraction(k + 1, 2), 180.0, 1.0, False,
                                 next_span=Fraction(1, 2))
            off, _ = perf.perform(Fraction(k + 1, 2), Fraction(k + 2, 2), 180.0, 1.0, False,
                                  next_span=Fraction(1, 2))
            steps.append(off - on)
        return float(np.mean(steps))

    assert mean_step(hard) > mean_step(soft) + 0.02
    bad = json.loads(json.dumps(shipped))
    bad["style"]["step_kind_centres"] = bad["style"]["step_kind_centres"][:-1]
    with pytest.raises(ValueError, match="two per style"):
        timefeel.TimeFeel.from_dict(bad)


def test_a_solos_lengths_before_a_note_and_before_a_rest_have_shapes_of_their_own():
    """A player who holds notes into the next may still end a phrase short: each kind's
    levels make its own shape, and a kind with too few notes takes the solo's whole."""
    rng = np.random.default_rng(3)
    rests = [k % 4 == 3 for k in range(400)]
    shape_levels = [0.6 + 0.4 * rng.random() if not r else 0.3 * rng.random() for r in rests]
    onset = [0.5] * 400
    learned = styles([onset], [shape_levels], length_shapes=[shape_levels],
                     length_rests=[rests])["length_shapes"]
    note, rest, whole = (np.array(learned[k][0]) for k in ("before_note", "before_rest", "solos"))
    assert note.min() >= 0.6 and rest.max() <= 0.3 and whole.min() < 0.3 < 0.6 < whole.max()
    few = [k == 5 for k in range(400)]  # one note before a rest: too few for a shape
    learned = styles([onset], [shape_levels], length_shapes=[shape_levels],
                     length_rests=[few])["length_shapes"]
    assert learned["before_rest"] == learned["solos"]
    assert "before_note" not in styles([onset], [shape_levels],
                                       length_shapes=[shape_levels])["length_shapes"]


def test_the_performer_draws_a_length_through_the_shape_of_its_kind():
    shipped = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    table = timefeel.TimeFeel.from_dict(shipped)
    assert len(table.kind_shapes) == len(table.styles)
    points = len(table.shape_points)
    high, low = tuple(np.linspace(0.8, 0.9, points)), tuple(np.linspace(0.1, 0.2, points))
    table = dataclasses.replace(table, kind_shapes=((high, low),) * len(table.styles))
    levels = levels_mod.Levels(table, np.random.default_rng(4), table.style_names[0])
    assert all(0.8 <= levels.length(False) <= 0.9 for _ in range(50))
    assert all(0.1 <= levels.length(True) <= 0.2 for _ in range(50))
    whole = np.array(table.length_shapes[0])
    assert whole.min() <= levels.length() <= whole.max()  # kind unknown: the whole shape
    old = json.loads(json.dumps(shipped))
    for key in ("before_note", "before_rest"):
        del old["style"]["length_shapes"][key]
    assert timefeel.TimeFeel.from_dict(old).kind_shapes == ()
    bad = json.loads(json.dumps(shipped))
    bad["style"]["length_shapes"]["before_rest"][0] = [0.5, 0.2]
    with pytest.raises(ValueError, match="length shapes"):
        timefeel.TimeFeel.from_dict(bad)


def test_an_onset_after_a_rest_hears_whether_its_gap_repeats_the_one_before():
    """A note a rest follows foresees no onset, so the next is drawn at its own start:
    that draw too keeps a run's serial (even gaps) and a change's (gaps that alternate)."""
    shipped = timefeel.shipped()
    bins = len(shipped.by_gap[0]) + 1
    table = dataclasses.replace(
        shipped, by_run=(((0.9,) * bins, (0.9,) * bins), ((0.0,) * bins, (0.0,) * bins)),
        steps=())

    def serial(gaps) -> float:
        perf = performer.Performer(table, np.random.default_rng(10))
        start, ons = Fraction(0), []
        for k in range(2400):  # a sixteenth, then a rest to the next onset
            on, _ = perf.perform(start, start + Fraction(1, 4), 180.0, 1.0, True,
                                 next_span=gaps[k % len(gaps)] - Fraction(1, 4))
            ons.append(on - float(start))
            start += gaps[k % len(gaps)]
        return float(np.corrcoef(ons[1:-1], ons[2:])[0, 1])

    assert serial([Fraction(1, 2)]) > 0.5  # every gap repeats the one before
    assert abs(serial([Fraction(1, 2), Fraction(1)])) < 0.2  # every gap changes


def test_the_split_serials_fall_back_on_both_together_and_come_all_or_none():
    from improv.learning.feel.feelstyles import _by_gap

    scores = np.random.default_rng(11).standard_normal(200)
    gaps = np.full(199, 0.5)
    none = np.zeros(199, bool)  # no pair kept: every bin unmeasured
    assert _by_gap([scores], [gaps], [none]) == [0.0] * (len(GAP_EDGES) + 1)
    assert _by_gap([scores], [gaps], [none], [0.3] * 5) == [0.3] * 5
    shipped = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    for key in feelparts.RUN_KEYS:
        bad = json.loads(json.dumps(shipped))
        del bad["style"]["within"]["onset"]["serial_by_gap"][key]
        with pytest.raises(ValueError, match=f"lacks {key}"):
            timefeel.TimeFeel.from_dict(bad)
    bad = json.loads(json.dumps(shipped))
    del bad["style"]["length_shapes"]["before_rest"]
    with pytest.raises(ValueError, match="before_note alone"):
        timefeel.TimeFeel.from_dict(bad)
