"""Onsets inside one beat drawn as a step from the onset before (improv.learning.feel.feelstyles
in_beat_steps, TimeFeel.step, Levels.step and landed, the performer's foreseen onset)."""

from __future__ import annotations

import dataclasses
import json
from statistics import NormalDist

import numpy as np
import pytest

from improv.learning import timednotes
from improv.learning.feel import timefeel as learner
from improv.learning.feel.feelstyles import in_beat_steps, lead_out_steps, styles
from improv.performance import levels as levels_mod
from improv.performance import quantiles, timefeel
from improv.performance.feel import Feel

from test_timefeel import band, tiny_table

LEVELS = tuple(learner.levels())
# where tiny_table's onsets run out: their latest quantile carried on to the tail's end
LATEST = quantiles.tail_value(LEVELS, np.linspace(-0.1, 0.2, len(LEVELS)), 1.0)
EIGHTHS = ["C,0.500"]


def test_steps_are_taken_between_onsets_inside_one_beat_only():
    # onsets at 0, 1/2, 1, 5/4, 3/2, 3: (cell, deviation) as learn() keeps them
    where = [0.0, 0.5, 1.0, 1.25, 1.5, 3.0]
    devs = [0.05, 0.10, 0.02, 0.00, 0.04, 0.07]
    twelfths = [0, 6, 0, 3, 6, 0]
    ok = [((1, (t, 0, 2)), d) for t, d in zip(twelfths, devs)]
    samples, keyed, first = in_beat_steps([ok], [where], pooled=3)
    assert [cell for cell, _ in keyed[0]] == [(1, (6, 6)), (1, (3, 3)), (1, (6, 3))]
    assert [step for _, step in keyed[0]] == pytest.approx([0.05, -0.02, 0.04])
    assert first == [[0, 2, 3]]  # the onset each steps from; none across a beat line
    assert samples[(3, (6, 6))] == pytest.approx([0.05])  # all tempos too


def test_steps_are_kept_by_what_follows_the_onset_they_reach_too():
    where = [0.0, 0.5, 1.0, 1.25, 1.5, 3.0]
    devs = [0.05, 0.10, 0.02, 0.00, 0.04, 0.07]
    twelfths = [0, 6, 0, 3, 6, 0]
    outs = [2, 2, 0, 0, 3, 3]  # each onset's lead-out: eighth, eighth, sixteenth, ...
    ok = [((1, (t, 0, 1 * 5 + o)), d) for t, o, d in zip(twelfths, outs, devs)]
    _, keyed, first = in_beat_steps([ok], [where], pooled=3)
    samples = lead_out_steps([ok], keyed, first, pooled=3, outs=5)
    assert samples == {(1, (6, 6, 2)): pytest.approx([0.05]), (3, (6, 6, 2)): pytest.approx([0.05]),
                       (1, (3, 3, 0)): pytest.approx([-0.02]), (3, (3, 3, 0)): pytest.approx([-0.02]),
                       (1, (6, 3, 3)): pytest.approx([0.04]), (3, (6, 3, 3)): pytest.approx([0.04])}


def test_a_solos_mean_step_and_a_steps_pull_against_the_onset_it_leaves_are_learned():
    rng = np.random.default_rng(2)
    onset_levels, step_levels, first = [], [], []
    for centre in (-0.5, 0.5):
        z = rng.standard_normal(300)
        onset_levels.append([NormalDist().cdf(x) for x in z])
        e = rng.standard_normal(150)
        steps = centre - 0.6 * (z[::2] - z[::2].mean()) + 0.8 * e  # late, then a short step
        step_levels.append([NormalDist().cdf(x) for x in steps])
        first.append(list(range(0, 300, 2)))
    learned = styles(onset_levels, onset_levels, step_levels=step_levels, step_first=first)
    assert learned["step_centres"] == pytest.approx([-0.5, 0.5], abs=0.15)
    assert learned["within"]["step"]["serial"] == pytest.approx(-0.6, abs=0.1)
    assert learned["within"]["step"]["sd"] == pytest.approx(1.0, abs=0.1)


def step_table(step: float = 0.03, **over) -> timefeel.TimeFeel:
    """tiny_table with one step cell: an off-beat eighth lies ``step`` after its beat's."""
    cell = tuple([step] * len(LEVELS))
    return tiny_table(**{"steps": ({(6, 6): 0}, ((cell,), (None,), (None,))), **over})


def eighth_pairs(table) -> list:
    """The (on-beat, off-beat) note pairs of 64 beats of eighths at 120 BPM played with
    ``table``: more than 40 of them."""
    feel = dataclasses.replace(Feel(swing=0.5, accent=0, humanise=3, timing="learned"),
                               tempo=120.0)
    notes = [n for n in band(feel, values=EIGHTHS, table=table).advance(64)
             if n.value is not None]
    pairs = [(a, b) for a, b in zip(notes, notes[1:])
             if abs(a.start - round(a.start)) < 0.2 and b.start - a.start < 0.75]
    assert len(pairs) > 40
    return pairs


def test_an_eighth_pair_steps_by_what_follows_its_off_beat_note():
    """The performer looks the step up by the span of the note it reaches (an eighth
    here), and the off-beat onset stays where it stepped."""
    by_out = step_table(steps_out=({(6, 6, 2): 0}, ((tuple([0.06] * len(LEVELS)),),
                                                    (None,), (None,))))
    pairs = eighth_pairs(by_out)
    assert all(b.start - a.start == pytest.approx(0.56)
               or b.start - round(a.start) - 0.5 == pytest.approx(LATEST) for a, b in pairs)
    assert sum(b.start - a.start == pytest.approx(0.56) for a, b in pairs) > len(pairs) // 2


def test_a_step_is_drawn_from_its_band_else_all_tempos_else_none():
    table = step_table()
    rng = np.random.default_rng(0)
    assert table.step(6, 6, 100.0, rng) == pytest.approx(0.03)
    assert table.step(6, 6, 200.0, rng) is None  # no cell at this tempo, nor pooled
    pooled = step_table(steps=({(6, 6): 0}, ((None,), (None,), (tuple([0.02] * len(LEVELS)),))))
    assert pooled.step(6, 6, 200.0, rng) == pytest.approx(0.02)
    assert table.step(9, 3, 100.0, rng) is None  # a pair the table does not know
    assert tiny_table().step(6, 6, 100.0, rng) is None  # a table made before the steps
    kept, level = table.landing(0, 120, 0.05)  # the ramp -0.1..0.2: 0.05 lies halfway
    assert kept == 0.05 and table.onset(0, 120, rng, level=level) == pytest.approx(0.05)
    # past the players' latest: on into the tail, never beyond its end
    assert table.landing(0, 120, 0.5) == (pytest.approx(LATEST),
                                          pytest.approx(quantiles.NORMAL.cdf(quantiles.TAIL_SCORE)))
    assert 0.2 < table.landing(0, 120, 0.21)[0] < LATEST
    assert table.landing(1, 120, 0.05) is None  # no cell there


def test_a_step_to_an_onset_is_drawn_by_what_follows_it_where_the_band_holds_that():
    eighth, longer = tuple([0.06] * len(LEVELS)), tuple([0.09] * len(LEVELS))
    # (6, 6) to an onset an eighth follows (lead-out 2) at the first band only; a longer
    # note's (3) at all tempos alone
    table = step_table(steps_out=({(6, 6, 2): 0, (6, 6, 3): 1},
                                  ((eighth, None), (None, None), (None, longer))))
    rng = np.random.default_rng(0)
    assert table.step_to(6, 6, 100.0, rng, 0.5) == (pytest.approx(0.06), True)
    assert table.step_to(6, 6, 100.0, rng, 0.25) == (pytest.approx(0.03), False)  # a sixteenth's
    assert table.step_to(6, 6, 100.0, rng, None) == (pytest.approx(0.03), False)  # as longer
    assert table.step_to(6, 6, 200.0, rng, 0.5) == (None, False)  # no step at any tempo
    assert step_table().step_to(6, 6, 100.0, rng, 0.5) == (pytest.approx(0.03), False)
    assert tiny_table().step_to(6, 6, 100.0, rng, 0.5) == (None, False)


def test_a_step_by_its_lead_out_stays_where_it_steps_inside_its_cells_range():
    """The pool of every lead-out moves a step learned whatever follows to its level
    among its own lead-out's onsets; a step learned by its lead-out is there already."""
    table = timefeel.shipped()
    band_ = table.band(250.0)
    cell = table.onsets[band_][6][0][timednotes.lead(0.5, 0.5)]
    middle = float(np.interp(0.5, table.levels, cell))
    pooled = table.landing(6, 250.0, middle, gap=0.5, after=0.5)
    own = table.landing(6, 250.0, middle, gap=0.5, after=0.5, own=True)
    assert own[0] == pytest.approx(middle) and own[1] == pytest.approx(0.5, abs=0.02)
    assert pooled[0] < middle - 0.005  # the pool, later than an eighth's own onsets
    assert table.landing(6, 250.0, 9.0, gap=0.5, after=0.5, own=True)[0] == \
        pytest.approx(quantiles.tail_value(table.levels, cell, 1.0))


def test_an_eighth_pair_inside_a_beat_keeps_the_step_between_its_onsets():
    """The off-beat eighth is drawn as a step from its beat's onset, not on its own: the
    players' pairs move together, so a pair's time apart varies far less than either
    onset does."""
    pairs = eighth_pairs(step_table())
    # the step, unless it would land past the end of the (tiny) table's tail
    assert all(b.start - a.start == pytest.approx(0.53)
               or b.start - round(a.start) - 0.5 == pytest.approx(LATEST) for a, b in pairs)
    assert sum(b.start - a.start == pytest.approx(0.53) for a, b in pairs) > len(pairs) // 2
    across = [c.start - b.start for (a, b), (c, _) in zip(pairs, pairs[1:])]
    assert np.std(across) > 0.01  # the next beat's onset is drawn on its own


def test_a_step_moves_against_the_onset_it_leaves_and_the_onset_it_lands_on_is_heard():
    table = dataclasses.replace(timefeel.shipped(), step_within=(1.0, -0.6),
                                step_centres=())
    levels = levels_mod.Levels(table, np.random.default_rng(3))
    levels.style = (0.0, 0.0, 0.0)
    onsets, steps = [], []
    for _ in range(2000):
        onsets.append(NormalDist().inv_cdf(levels.onset(2.0)))
        steps.append(NormalDist().inv_cdf(levels.step()))
    assert np.corrcoef(onsets, steps)[0, 1] == pytest.approx(-0.6, abs=0.06)
    levels.landed(0.99, on_beat=True)  # a run of steps landed late: the next step is short
    assert np.mean([levels.step() for _ in range(500)]) < 0.35


def test_the_shipped_table_steps_every_eighth_pair_and_reads_without_steps_as_before():
    table = timefeel.shipped()
    assert table.steps and all(table.step(6, 6, tempo, np.random.default_rng(0)) is not None
                               for tempo in (90, 130, 170, 210, 260, 300))
    assert len(table.step_centres) == len(table.styles)
    assert -0.9 < table.step_within[1] < -0.1  # a late onset, then a shorter step
    raw = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    del raw["step"]
    del raw["style"]["step_centres"]
    old = timefeel.TimeFeel.from_dict(raw)
    assert old.steps == () and old.step(6, 6, 170, np.random.default_rng(0)) is None
    raw = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    raw["step"]["keys"] = raw["step"]["keys"][:-1]
    with pytest.raises(ValueError, match="steps"):
        timefeel.TimeFeel.from_dict(raw)


def test_the_shipped_table_steps_eighths_by_what_follows_and_reads_without_them_as_before():
    table = timefeel.shipped()
    rng = np.random.default_rng(0)
    assert all(table.step_to(6, 6, tempo, rng, 0.5)[1] for tempo in (130, 170, 210, 260))
    raw = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    del raw["step_out"]
    old = timefeel.TimeFeel.from_dict(raw)
    assert old.steps_out == () and not old.step_to(6, 6, 170, rng, 0.5)[1]
    for broken in (lambda keys: keys[:-1], lambda keys: [[6, 6, 9], *keys[1:]],
                   lambda keys: [keys[1], *keys[1:]]):  # one short, no such lead-out, twice
        raw = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
        raw["step_out"]["keys"] = broken(raw["step_out"]["keys"])
        with pytest.raises(ValueError, match="lead-outs' steps"):
            timefeel.TimeFeel.from_dict(raw)


def test_a_redrawn_onset_after_a_step_starts_from_the_onset_the_step_left():
    """A foreseen onset not played (the part muted) is drawn again from the note before
    it: after a step, that is the onset the step left, not the one before that."""
    levels = levels_mod.Levels(timefeel.shipped(), np.random.default_rng(8))
    levels.onset(1.0)
    levels.onset(0.5)
    left = levels._scores[0]
    levels.step()
    assert levels._before == left


def test_a_table_without_steps_draws_no_step_levels(monkeypatch):
    """Where the table holds no step (a table made before them, a pair it does not know)
    nothing extra is drawn: the onsets come out as they did before the steps."""
    def never(self):
        raise AssertionError("a step level drawn without a step cell")

    monkeypatch.setattr(levels_mod.Levels, "step", never)
    feel = dataclasses.replace(Feel(swing=0.5, accent=0, humanise=3, timing="learned"),
                               tempo=120.0)
    assert band(feel, values=EIGHTHS, table=tiny_table()).advance(16)
