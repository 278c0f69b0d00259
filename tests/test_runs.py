"""Runs: the quick notes the corpus reader's line leaves out, learned from hand-made notes
and played by the melody between a note and the next (no corpus needed)."""

import dataclasses
import json
from fractions import Fraction

import numpy as np
import pytest

from improv.errors import UsageError
from improv.learning import timednotes
from improv.learning.feel import ornaments as learner
from improv.performance import ornaments, performer, timefeel
from improv.performance.feel import Feel

from daemon_fakes import FakeSource
from improv.band.chart import Progression
from improv.band.ensemble import Ensemble
from test_timefeel import BLUES, band, tiny_table


def timed(twelfth: int, pitch: int, tempo: float = 60.0, beat: int = 0) -> timednotes.Timed:
    """A note written ``twelfth`` twelfths into ``beat`` and played there."""
    on = beat + twelfth / 12
    return timednotes.Timed(on, on + 1 / 24, pitch, tempo, 60 / tempo, twelfth, 0.0, 12,
                            twelfth + 1, beat)


# A run of twelfths: the line keeps the first, moves the second to the sextuplet and
# leaves the third out (too close to be kept apart on the values' grid); then a note.
RUN = [timed(0, 60), timed(1, 62), timed(2, 64), timed(4, 65), timed(0, 67, beat=1)]


def test_the_learner_counts_the_notes_the_line_leaves_out_and_their_steps():
    found = learner.runs(RUN)
    assert (60.0, 2, [62, 64, 65], True) in found  # the second line note stands for two
    assert (60.0, 2, [60, 62], True) in found  # the first for itself alone
    (*_, pitches, follows), = learner.runs([timed(0, 60), timed(9, 62)])
    assert pitches == [60, 62] and not follows  # a rest between: no run, nothing left out
    table = learner.run_table([RUN] * 60)
    band, span = learner.band_of(60.0, learner.RUN_EDGES), learner.RUN_SPANS.index(2)
    assert table["notes"][band][span] == 120
    assert table["rate"][band][span] == [0.5, 0.0, 0.0]  # one note more, half the time
    share = dict(zip(table["step"], table["share"]))
    assert share[2] == 1.0  # 62 -> 64 toward 65 (the step into 65 is the performer's)
    assert learner.run_table([RUN] * 10) is None  # too few runs to learn any
    leap = [timed(0, 60), timed(1, 62), timed(2, 64), timed(4, 77), timed(0, 79, beat=1)]
    # the line note before the leap to 77 is no chance for a run; the one before it is
    assert learner.run_table([RUN] * 60 + [leap] * 60)["rate"][band][span] == [0.3333, 0.0, 0.0]
    assert ornaments.Runs.from_dict(table).rate[band][span] == (0.5, 0.0, 0.0)


def test_a_run_of_twelfths_goes_on_through_every_sextuplet_of_the_line():
    """Read as sextuplets, a run of twelfths has a note left out after every line note
    but the first: the rate right after a line note that ran is learned on its own, and
    played."""
    run = [timed(k, 60 + k) for k in range(12)] + [timed(0, 72, beat=1)]
    found = learner.runs(run)
    assert [len(p) - 2 for _t, _s, p, _f in found] == [0, 1, 1, 1, 1, 1] and all(
        span == 2 and follows for _t, span, _p, follows in found)
    table = learner.run_table([run] * 40 + [RUN] * 40)
    band, span = learner.band_of(60.0, learner.RUN_EDGES), learner.RUN_SPANS.index(2)
    # fresh: the first two line notes of each (the second ran)
    assert table["notes"][band][span] == 2 * 40 + 2 * 40
    assert table["rate"][band][span] == [0.5, 0.0, 0.0]
    # right after one that ran: the twelfths' other four, each ran on
    assert table["notes_after"][band][span] == 4 * 40
    assert table["after"][band][span] == [1.0, 0.0, 0.0]  # a run once begun goes on
    runs = ornaments.Runs.from_dict(table)
    assert runs.after[band][span] == (1.0, 0.0, 0.0)
    rng = np.random.default_rng(0)

    def share(ran):
        return np.mean([len(ornaments.run_through(runs, 60.0, 2, 0.0, 0.17, 60, 62, 40, 90,
                                                  1.0, rng, ran)) == 1 for _ in range(400)])
    assert share(True) == 1.0 and 0.43 < share(False) < 0.57
    few = learner.run_table([run] * 5 + [RUN] * 60)  # 20 notes after a run: too few
    assert few["after"][band][span] == few["rate"][band][span]
    old = {k: v for k, v in table.items() if k not in ("after", "notes_after")}
    assert ornaments.Runs.from_dict(old).after == ()  # a table from before: one rate
    with pytest.raises(ValueError):
        ornaments.Runs.from_dict(dict(table, after=[[[0.7, 0.7]]]))


def test_the_performer_goes_on_running_and_a_rest_starts_afresh():
    """After a note that ran the next draws at the rate after a run; after a rest, or a
    note that did not run, at the fresh rate."""
    always = ornaments.Runs(edges=(100.0,), spans=(3,), rate=(((0.0,),), ((0.0,),)),
                            step=(1,), share=(1.0,), after=(((1.0,),), ((1.0,),)))
    table = dataclasses.replace(timefeel.shipped(), runs=always)
    one = performer.Performer(table, np.random.default_rng(3))
    one.perform(0, 0.25, 60.0, 1.0, False, next_span=0.25)
    assert len(one.run(60, 64, 60.0, 1.0, 40, 90)) == 1  # fresh: rate 0
    one._ran = True  # as after a note that ran
    one.perform(Fraction(1, 4), Fraction(1, 2), 60.0, 1.0, False, next_span=0.25)
    assert len(one.run(60, 64, 60.0, 1.0, 40, 90)) == 2  # goes on
    one.perform(Fraction(1, 2), Fraction(3, 4), 60.0, 1.0, True)  # a rest follows
    assert len(one.run(60, 64, 60.0, 1.0, 40, 90)) == 1 and not one._ran
    one._ran = True
    one.new_phrase()
    assert not one._ran


RUNS = ornaments.Runs(edges=(100.0,), spans=(2, 3), rate=(((1.0, 0.0), (0.0, 0.0)),
                                                        ((0.0, 0.0), (0.0, 0.0))),
                      step=(1, 2), share=(0.5, 0.5))


def test_a_run_steps_evenly_through_the_span_toward_the_next_note():
    rng = np.random.default_rng(1)
    for _ in range(50):
        (start, pitch), = ornaments.run_through(RUNS, 60.0, 2, 10.0, 10.16, 60, 64, 50, 80,
                                                1.0, rng)
        assert start == pytest.approx(10.0 + 1 / 12) and pitch in (61, 62)
        (start, pitch), = ornaments.run_through(RUNS, 60.0, 2, 10.0, 10.16, 60, 55, 50, 80,
                                                1.0, rng)
        assert pitch in (59, 58)  # down toward a lower note
    for no in ((120.0, 2, 10.16, 64, 50, 80, 1.0),  # a tempo band without runs
               (60.0, 3, 10.16, 64, 50, 80, 1.0),  # a span without runs
               (60.0, 2, 10.16, None, 50, 80, 1.0),  # the next note not known
               (60.0, 2, 10.09, 64, 50, 80, 1.0),  # the next onset crowds the run's note
               (60.0, 2, 10.16, 71, 50, 80, 1.0),  # a leap beyond the table's reach
               (60.0, 2, 10.16, 64, 50, 60, 1.0),  # no step up inside the register
               (60.0, 2, 10.16, 72, 50, 80, 1.0),  # no path lands near the next note
               (60.0, 2, 10.16, 64, 50, 80, 0.0)):  # amount 0: as written
        tempo, span, off, target, low, high, amount = no
        assert ornaments.run_through(RUNS, tempo, span, 10.0, off, 60, target, low, high,
                                     amount, rng) == []
    a = [ornaments.run_through(RUNS, 60.0, 2, 10.0, 10.16, 60, 64, 50, 80, 1.0,
                               np.random.default_rng(9)) for _ in range(3)]
    assert a[0] == a[1] == a[2]  # seeded


def test_a_broken_runs_table_is_refused():
    good = {"edges": [80, 110], "spans": [2, 3], "rate": [[[0.2, 0.01], [0.1, 0.0]]] * 3,
            "step": [-1, 1, 2], "share": [0.2, 0.5, 0.3]}
    assert ornaments.Runs.from_dict(good).spans == (2, 3)
    for bad in ({"edges": [110, 80]}, {"rate": [[[0.2, 0.01]]] * 3}, {"rate": [[[0.9, 0.9],
                [0.1, 0.0]]] * 3}, {"step": [40, 1, 2]}, {"share": [0.2, 0.2, 0.2]},
                {"spans": [0, 3]}, {"rate": [[[-0.1, 0.0], [0.1, 0.0]]] * 3},
                {"edges": [80, float("nan")]}, {"edges": [80, float("inf")]}, {"edges": "12"},
                {"spans": [2.9, 3]}, {"spans": [3, 3]}, {"step": [-1.7, 1, 2]},
                {"share": [True, 0.5, 0.5]}, {"rate": "none"}, {"edges": None},
                {"reach": 0}, {"reach": 2.5}):
        with pytest.raises(ValueError, match="runs"):
            ornaments.Runs.from_dict({**good, **bad})
    for broken in ([], "run", {k: v for k, v in good.items() if k != "share"}):
        with pytest.raises(ValueError, match="runs"):
            ornaments.Runs.from_dict(broken)


def test_a_broken_runs_table_in_the_feel_file_is_one_line_naming_the_fix(tmp_path):
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    for broken in ({"share": [2.0]}, {"rate": "none"}, {"edges": [1e400, 1.0]}):
        path = tmp_path / "feel.json"
        path.write_text(json.dumps({**data, "run": {**data["run"], **broken}}))
        with pytest.raises(UsageError, match="cannot be read.*timing = .grid."):
            timefeel.load(path)


def test_the_shipped_table_runs_at_a_ballad_and_hardly_ever_fast():
    runs = timefeel.shipped().runs
    assert runs is not None
    sextuplet = runs.spans.index(2)
    slow, fast = (runs.rate[int(np.searchsorted(runs.edges, t, side="right"))][sextuplet]
                  for t in (60.0, 300.0))
    assert sum(slow) > 0.1 > 0.01 > sum(fast)
    toward = sum(s for step, s in zip(runs.step, runs.share) if step > 0)
    assert toward > 0.6  # runs head for the next note


SLOW = Feel(swing=0.5, accent=0, humanise=3, timing="learned", tempo=60.0)
# sextuplets and sixteenths, each a third up (a range of 2..4 around 3) from the last
STEPS = ["S,0.167,<M2,M3>", "C,0.167,<M2,M3>", "S,0.250,<M2,M3>", "C,0.500,<m-3,m-3>",
         "S,0.167,<m-3,m-3>", "C,0.167,<M2,M3>", "R,0.500"]


def test_a_runs_notes_sound_as_the_players_quick_notes_do():
    table = dataclasses.replace(timefeel.shipped(), graces=None, runs=dataclasses.replace(
        RUNS, edges=(), rate=(((1.0, 0.0), (1.0, 0.0)),)))
    assert table.quick is not None and table.quick[0] < 0.6 and table.quick[-1] == 1.0
    played = band(SLOW, values=STEPS, table=table).advance(32)
    shares = [(b.end - b.start) / (n.start - b.start)
              for b, n in zip(played, played[1:]) if n.value is None]
    assert len(shares) > 20 and all(table.quick[0] - 1e-9 <= x <= 1 + 1e-9 for x in shares)
    assert np.std(shares) > 0.03  # each drawn, where one share was fixed
    assert all(a.end <= b.start + 1e-12 and a.start < b.start
               for a, b in zip(played, played[1:]))


def test_the_quick_notes_table_is_learned_and_read_as_rising_shares():
    from improv.learning.feel.ornaments import QUICK_MOST, quick_table
    from improv.learning.timednotes import Timed

    def note(on, off):
        return Timed(tempo=60.0, on=on, off=off, pitch=60, beat_seconds=1.0, twelfth=0,
                     division=4, tatum=1, deviation=0.0)

    quick = [note(k, k + 0.045) for k in range(300)] + [note(k + 0.05, k + 0.5) for k in range(300)]
    quick.sort(key=lambda n: n.on)
    table = quick_table([quick])
    assert table["most"] == QUICK_MOST and table["notes"] == 300
    assert table["sounds"][0] == table["sounds"][-1] == pytest.approx(0.9, abs=1e-3)
    assert quick_table([quick[:100]]) is None  # too few quick notes
    levels = len(timefeel.shipped().levels)
    assert ornaments.quick_sounds({"sounds": [0.5] * levels}, levels) == (0.5,) * levels
    for bad in ({"sounds": [0.5] * 3}, {"sounds": [1.0, 0.5] * 20 + [1.0]}, [], {"sounds": "x"}):
        with pytest.raises(ValueError, match="quick"):
            ornaments.quick_sounds(bad, levels)


def test_the_melody_runs_through_quick_notes_between_its_notes_softer_and_in_order():
    table = dataclasses.replace(timefeel.shipped(), graces=None, quick=None,
                                runs=dataclasses.replace(RUNS, edges=(),
                                                         rate=(((1.0, 0.0), (1.0, 0.0)),)))
    played = band(SLOW, values=STEPS, table=table).advance(32)
    runs = [(k, n) for k, n in enumerate(played) if n.value is None]
    assert len(runs) > 20
    for k, note in runs:
        before = played[k - 1]
        assert note.velocity < before.velocity or before.value is None
        assert before.end == pytest.approx(before.start + ornaments.RUN_SOUNDS *
                                           (note.start - before.start))
        assert abs(note.pitch - before.pitch) in (1, 2)
    assert all(a.end <= b.start + 1e-12 and a.start < b.start
               for a, b in zip(played, played[1:]))  # one line, every note let go in time
    again = band(SLOW, values=STEPS, table=table).advance(32)
    assert [(n.start, n.end, n.pitch) for n in again] == [(n.start, n.end, n.pitch) for n in played]
    plain = band(SLOW, values=STEPS, table=dataclasses.replace(table, runs=None)).advance(32)
    assert all(n.value is not None for n in plain)
    kept = [n for n in played if n.value is not None]
    assert [n.pitch for n in kept] == [n.pitch for n in plain][:len(kept)]  # the line itself
    grid = dataclasses.replace(SLOW, timing="grid")
    assert all(n.value is not None for n in band(grid, values=STEPS, table=table).advance(32))


def test_the_performer_without_a_run_plays_the_note_as_performed():
    table = dataclasses.replace(timefeel.shipped(), runs=None)
    one = performer.Performer(table, np.random.default_rng(2))
    on, off = one.perform(0, 0.5, 120.0, 1.0, False, next_span=0.5)
    assert one.run(60, 64, 120.0, 1.0, 40, 90) == [(on, off, 60)]


def test_a_grace_has_no_room_just_after_a_run_and_the_next_note_starts_after_it():
    late, none = (0.1,) * 41, (None,) * 3
    onsets = tuple(tuple(((late,) * 3,) * 3 if k == 3 else (none,) * 3 for k in range(12))
                   for _ in range(3))  # a note a quarter into the beat sits 0.1 beat late
    graces = ornaments.Graces(0.3, (1.0,) * 3, ((0.08,) * 41,) * 3, (1,), (1.0,))
    runs = dataclasses.replace(RUNS, edges=(), rate=(((1.0, 0.0), (1.0, 0.0)),))
    table = tiny_table(onsets=onsets, graces=graces, runs=runs)
    for seed in range(20):
        one = performer.Performer(table, np.random.default_rng(seed))
        one.perform(Fraction(4), Fraction(17, 4), 60.0, 1.0, False, next_span=Fraction(1))
        played = one.run(60, 62, 60.0, 1.0, 40, 90)
        assert [round(t, 6) for t, _, _ in played] == [4.0, 4.125]  # on the grid, and halfway
        assert played[0][1] <= played[1][0] < played[1][1] <= 4.35
        on, _ = one.perform(Fraction(17, 4), Fraction(21, 4), 60.0, 1.0, True)
        assert on == pytest.approx(4.35) and on >= played[1][1]
        # 0.35 beat after the run's first note, 0.225 after its last: no room for a grace
        assert one.grace(63, 60.0, 1.0, 40, 90) is None


def test_spread_intervals_run_nowhere_since_the_next_pitch_is_not_known():
    from improv.band.melody import MelodyPart
    from improv.band.melodysettings import Melody

    table = dataclasses.replace(timefeel.shipped(), graces=None, runs=dataclasses.replace(
        RUNS, edges=(), rate=(((1.0, 0.0), (1.0, 0.0)),)))
    for intervals, some in (("spread", False), ("exact", True)):
        part = MelodyPart(FakeSource(STEPS), np.random.default_rng([5, 1]),
                          Melody(intervals=intervals), feel_table=table)
        played = Ensemble([part], Progression.parse(BLUES), feel=SLOW).advance(32)
        assert any(n.value is None for n in played) == some
