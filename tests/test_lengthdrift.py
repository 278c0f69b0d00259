"""The drift of a player's articulation over a passage: learned from pairs of notes by
how far apart they lie, played as a share of each length's score that the notes of a
passage hold in common."""

import dataclasses
import json
import math
from fractions import Fraction

import numpy as np
import pytest

from improv.errors import UsageError
from improv.learning.feel import drift
from improv.learning.feel.feelstyles import SHAPE_POINTS
from improv.performance import levels as levels_mod
from improv.performance import performer, timefeel
from test_lengthshapes import shaped


def ou_scores(share: float, beats: float, places: np.ndarray, rng) -> np.ndarray:
    """Normal scores whose ``share`` drifts over ``beats`` (the model the fit assumes)."""
    d, out, before = 0.0, [], None
    for at in places:
        k = 0.0 if before is None else math.exp(-(at - before) / beats)
        d = k * d + math.sqrt(1 - k * k) * rng.standard_normal()
        before = at
        out.append(math.sqrt(share) * d + math.sqrt(1 - share) * rng.standard_normal())
    return np.array(out)


def test_the_fit_finds_the_share_and_the_beats_it_drifts_over():
    rng = np.random.default_rng(0)
    places = [np.cumsum(rng.choice([0.25, 0.5, 1 / 3], 3000)) for _ in range(4)]
    scores = [ou_scores(0.3, 3.0, p, rng) for p in places]
    keep = [np.ones(len(p), bool) for p in places]
    found = drift.learn(scores, places, keep)
    assert found["share"] == pytest.approx(0.3, abs=0.05)
    assert found["beats"] == pytest.approx(3.0, rel=0.3)
    assert len(found["measured"]) == len(found["pairs"]) == drift.DRIFT_BEATS
    assert found["measured"][0] > found["measured"][-1] > 0  # it dies away with the beats
    white = [rng.standard_normal(len(p)) for p in places]
    assert drift.learn(white, places, keep)["share"] < 0.02


def test_only_the_kept_notes_are_paired():
    places = [np.arange(400) * 0.5]
    x = np.random.default_rng(1).standard_normal(100)
    z = np.stack([x, -x, x, x], axis=1).ravel()  # each kept pair x, -x; the others x
    keep = [np.tile([True, True, False, False], 100)]
    corr, pairs = drift.correlations([z], places, keep)
    assert pairs[0] == 100 and corr[0] == pytest.approx(-1)  # only the kept pairs, under a beat
    nothing = drift.fit(np.zeros(drift.DRIFT_BEATS), np.full(drift.DRIFT_BEATS, 1000.0))
    assert nothing == {"share": 0.0, "beats": 1.0}


def test_the_shipped_table_holds_the_players_drift():
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    learned = data["style"]["within"]["length"]["drift"]
    assert 0.05 < learned["share"] < 0.2 and 2 < learned["beats"] < 12
    assert all(p > 10_000 for p in learned["pairs"])
    assert timefeel.shipped().length_drift == (learned["share"], learned["beats"])


def drifting(share: float, beats: float = 4.0):
    return dataclasses.replace(shaped([np.linspace(0, 1, len(SHAPE_POINTS))], ("A_Solo",)),
                               length_drift=(share, beats))


def spearman(a, b) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_lengths_of_a_passage_share_its_drift_and_lose_it_with_the_beats():
    levels = levels_mod.Levels(drifting(0.6), np.random.default_rng(1), "A_Solo")
    at = np.arange(6000) * 0.5  # a long line of eighths, each into the next
    drawn = np.array([levels.length(False, at=float(t)) for t in at])
    near = spearman(drawn[:-1], drawn[1:])  # half a beat apart: 0.6 * exp(-1/8)
    far = spearman(drawn[:-16], drawn[16:])  # eight beats apart: 0.6 * exp(-2)
    assert near == pytest.approx(0.6 * math.exp(-0.125), abs=0.06)
    assert far == pytest.approx(0.6 * math.exp(-2), abs=0.06)
    assert np.mean(drawn < 0.5) == pytest.approx(0.5, abs=0.06)  # the same shape as before
    # a note a rest follows, or one whose place is unknown, keeps its own draw
    levels = levels_mod.Levels(drifting(0.9), np.random.default_rng(2), "A_Solo")
    rests = np.array([levels.length(True, at=float(t)) for t in at[:3000]])
    assert abs(spearman(rests[:-1], rests[1:])) < 0.06


def test_no_drift_draws_every_length_as_before_and_a_jump_back_starts_afresh():
    old = shaped([np.linspace(0, 1, len(SHAPE_POINTS))], ("A_Solo",))
    assert old.length_drift == (0.0, 1.0)
    a = levels_mod.Levels(old, np.random.default_rng(3), "A_Solo")
    b = levels_mod.Levels(drifting(0.0), np.random.default_rng(3), "A_Solo")
    assert [a.length(False) for _ in range(50)] == [b.length(False, at=k / 2) for k in range(50)]
    assert levels_mod.drifted(None, 4.0, 2.0, np.random.default_rng(4)) == \
        levels_mod.drifted((9.0, 8.0), 4.0, 2.0, np.random.default_rng(4))  # before it: fresh
    assert levels_mod.drifted((1.0, 4.0), 4.0, 2.0, np.random.default_rng(4)) == 1.0  # same place


def test_the_performer_gives_each_note_its_written_place():
    seen = []

    class Spy(levels_mod.Levels):
        def length(self, rest_follows=None, at=None, run=False):
            seen.append((rest_follows, at, run))
            return super().length(rest_follows, at, run)

    table = timefeel.shipped()
    perf = performer.Performer(table, np.random.default_rng(5))
    perf._levels = Spy(table, np.random.default_rng(5))
    for start, end, rest, after in ((1, 1.5, False, 0.5), (1.5, 2, False, 0.25),
                                    (2, 2.25, False, 0.25), (2.25, 2.5, False, 0.25),
                                    (2.5, 2.75, True, 1), (3.75, 4, False, 0.25),
                                    (4, 4.25, False, 0.5)):
        perf.perform(Fraction(start), Fraction(end), 120.0, 1.0, rest, next_span=Fraction(after))
    # each in its written place; a run: as long as the note before, which a note followed
    assert seen == [(False, 1.0, False), (False, 1.5, True), (False, 2.0, False),
                    (False, 2.25, True), (True, 2.5, False), (False, 3.75, False),
                    (False, 4.0, True)]


def test_a_run_in_one_length_carries_part_of_the_length_before():
    """The score of a note in a run holds LENGTH_RUN_HOLD of the one before (Spearman
    of the levels 6/pi asin(hold/2)); outside a run, or before a rest, none; the spread
    of the lengths stays the shape's."""
    hold = levels_mod.LENGTH_RUN_HOLD
    for run, expected in ((True, 6 / math.pi * math.asin(hold / 2)), (False, 0.0)):
        levels = levels_mod.Levels(drifting(0.0), np.random.default_rng(6), "A_Solo")
        drawn = np.array([levels.length(False, at=k / 2, run=run) for k in range(6000)])
        assert spearman(drawn[:-1], drawn[1:]) == pytest.approx(expected, abs=0.04)
        assert np.mean(drawn < 0.5) == pytest.approx(0.5, abs=0.04)
    levels = levels_mod.Levels(drifting(0.0), np.random.default_rng(7), "A_Solo")
    rests = np.array([levels.length(True, at=k / 2, run=True) for k in range(3000)])
    assert abs(spearman(rests[:-1], rests[1:])) < 0.06


@pytest.mark.parametrize("bad", [{"share": 1.0, "beats": 4}, {"share": 0.1, "beats": 0},
                                 {"share": float("nan"), "beats": 4}, {"share": 0.1},
                                 {"share": 0.1, "beats": "long"}])
def test_a_bad_drift_is_one_line_naming_the_table(tmp_path, bad):
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    data["style"]["within"]["length"]["drift"] = bad
    path = tmp_path / "feel.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UsageError, match="time-feel table .*feel.json cannot be read") as err:
        timefeel.load(path)
    assert "\n" not in str(err.value)
