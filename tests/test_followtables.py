"""The calibration's tables of what follows what: each interval (the line) weighed by
the two before it, heard by the sampler, read from the file and fitted by ``improv
calibrate``."""

import json

import numpy as np
import pytest

from improv.commands.making.refit import FOLLOW_AT
from improv.language import context
from improv.language.grammar import Value
from improv.sampling import calibration, calibrationfile
from improv.sampling.calibration import N_DURATIONS, N_INTERVALS, Calibration
from improv.sampling.followtables import (
    LIMIT as LINE_LIMIT,
    LINE_REACH,
    N_LINE,
    line_class,
    pair_of as line_of,
)
from improv.sampling.soloist import Soloist

from randmodel import write_random_model

BANDS = len(context.TEMPO_EDGES) + 1
UP2, DOWN2, UP1 = Value("S", 0.5, -4, 8), Value("S", 0.5, -8, 4), Value("A", 0.5, -5, 7)
REST, FIRST = Value("R", 0.5), Value("C", 0.5)


def cls(interval: int) -> int:
    return interval + LINE_REACH + 1


def neutral_line() -> list:
    return [[[1.0] * N_LINE for _ in range(N_LINE)] for _ in range(N_LINE)]


def table_with(line) -> Calibration:
    return Calibration(((1.0,) * N_DURATIONS,) * BANDS, ((1.0,) * N_INTERVALS,) * BANDS,
                       line=tuple(tuple(tuple(r) for r in plane) for plane in line))


def test_an_interval_is_classed_by_its_sign_and_size_wider_ones_together():
    assert [line_class(v) for v in (UP2, DOWN2, UP1)] == [cls(2), cls(-2), cls(1)]
    assert line_class(Value("C", 0.5, 10, 14)) == line_class(Value("C", 0.5, 8, 10)) == N_LINE - 1
    assert line_class(Value("C", 0.5, -14, -10)) == 0
    assert line_class(REST) is None and line_class(FIRST) is None


def test_the_line_is_the_two_intervals_last_played_rests_passed_over():
    same = lambda k: k  # noqa: E731 - the kinds themselves
    assert line_of([5, 7, 9], same) == (7, 5)  # the last first: (before last, last)
    assert line_of([5, -1, -1, 7], same) == (7, 5)  # rests inside the phrase: passed over
    assert line_of([5, None, 7], same) is None  # a phrase's first note has no interval
    assert line_of([5], same) is None and line_of([], same) is None


def test_the_sampler_weighs_the_next_interval_by_the_two_before():
    values = [UP2, DOWN2, UP1, REST, FIRST]
    line = neutral_line()
    line[cls(2)][cls(2)][cls(2)] = 2.0  # after two steps up a whole tone: a third, twice
    line[cls(2)][cls(2)][cls(-2)] = 0.5
    work = calibration.Calibrator(table_with(line), values)
    w = np.full(5, 0.2)
    work.apply(w, 0, None, [(0, ()), (3, ()), (0, ())])  # up 2, a rest, up 2: last first
    assert work.heard("line") == (cls(2), cls(2))
    notes = 0.2 * 4  # the notes keep their share; a phrase's first note has no factor
    scaled = np.array([2.0, 0.5, 1.0, 1.0]) * 0.2
    assert w[[0, 1, 2, 4]] == pytest.approx(scaled * notes / scaled.sum())
    assert w[3] == pytest.approx(0.2)  # the rest as drawn
    other = np.full(5, 0.2)
    work.apply(other, 0, None, [(0, ()), (4, ())])  # after a phrase's first note: no line
    assert work.heard("line") is None and other.tolist() == pytest.approx([0.2] * 5)


def test_a_neutral_or_absent_line_costs_nothing_and_changes_nothing():
    values = [UP2, DOWN2, REST]
    work = calibration.Calibrator(Calibration.neutral(BANDS), values)
    w = np.full(3, 1 / 3)
    work.apply(w, 0, None, iter([(0, ()), (1, ())]))  # a one-pass history, as the soloist's
    assert w.tolist() == pytest.approx([1 / 3] * 3) and work.heard("line") is None


def test_the_line_is_written_read_and_checked(tmp_path):
    line = neutral_line()
    line[3][4][5] = 1.5
    table = table_with(line)
    text = calibrationfile.to_json(table, "abc", "test")
    data = json.loads(text)
    assert data["format"] == calibrationfile.FORMAT and data["line"][3][4][5] == 1.5
    assert Calibration.from_dict(data) == table
    del data["line"]  # a file from before the line: neutral
    assert Calibration.from_dict(data).line == ()
    for bad in ([[[1.0] * N_LINE] * N_LINE] * (N_LINE - 1),  # a plane short
                [[[LINE_LIMIT * 2] * N_LINE] * N_LINE] * N_LINE):  # past the limit
        with pytest.raises(ValueError):
            table_with(bad)
    data["line"] = "wide"
    with pytest.raises(ValueError):
        Calibration.from_dict(data)


def test_the_sampler_hears_the_line_it_plays(tmp_path):
    """Steps on the same way after two steps up made far likelier: the line hears it."""
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    base = Soloist.load(model, seed=2)
    shares = {}
    for name, factor in (("plain", 1.0), ("onwards", LINE_LIMIT)):
        line = neutral_line()
        for step in (1, 2):
            for before in (1, 2):
                for after in (1, 2):
                    line[cls(before)][cls(step)][cls(after)] = factor
        soloist = Soloist(base.generator, base.settings, table_with(line))
        heard = []
        soloist.observer = lambda index, place, s=soloist: heard.append(
            (s.calibrator.heard("line"), line_class(s.values[index])))
        for _ in range(3000):
            soloist.next_index()
        ups = {cls(1), cls(2)}
        after_ups = [here for seen, here in heard
                     if seen is not None and set(seen) <= ups and here is not None]
        shares[name] = sum(here in ups for here in after_ups) / max(len(after_ups), 1)
    assert shares["onwards"] > shares["plain"] + 0.1


def test_refit_moves_the_line_by_the_share_after_each_pair_not_the_interval_own():
    from improv.commands.making.calibrate import counts
    from improv.commands.making.refit import follow_moved as line_moved
    from improv.sampling.followtables import neutral

    target, drawn = counts(BANDS)[FOLLOW_AT], counts(BANDS)[FOLLOW_AT]
    a, b = cls(-2), cls(-2)
    target[a, b, cls(-1)], target[a, b, cls(2)] = 800, 200  # down, down: then down a semitone
    drawn[a, b, cls(-1)], drawn[a, b, cls(2)] = 200, 800  # drawn: turned back
    # elsewhere the same intervals the other way, so that each interval's own share is even
    target[cls(3), cls(3), cls(-1)], target[cls(3), cls(3), cls(2)] = 200, 800
    drawn[cls(3), cls(3), cls(-1)], drawn[cls(3), cls(3), cls(2)] = 800, 200
    moved = line_moved(neutral("line"), target, drawn)
    assert moved[a][b][cls(-1)] > 1.0 > moved[a][b][cls(2)]
    assert moved[cls(3)][cls(3)][cls(-1)] < 1.0 < moved[cls(3)][cls(3)][cls(2)]
    assert all(1 / LINE_LIMIT <= x <= LINE_LIMIT for plane in moved for r in plane for x in r)
    assert moved[cls(5)][cls(5)][cls(0)] == pytest.approx(1.0, abs=0.02)  # nothing seen there
    assert line_moved((), target, drawn) == ()  # a table without a line keeps none


def test_the_players_line_is_counted_from_a_phrase_third_note_on():
    from improv.commands.making.calibrate import count_follow, counts

    lines = counts(BANDS)[FOLLOW_AT]
    kinds: list = []
    for value in (FIRST, UP2, REST, UP2, DOWN2, FIRST, UP1):
        count_follow("line", lines, line_of(kinds, lambda k: k), value)
        if not value.is_rest:
            kinds[:] = [line_class(value), *kinds][:2]
    # counted: DOWN2 after (UP2, UP2); UP2 after (None, UP2) is not, nor what follows FIRST
    assert lines.sum() == 1 and lines[cls(2), cls(2), cls(-2)] == 1


def test_the_players_line_is_counted_from_the_corpus_values(monkeypatch):
    from improv.commands.making.calibrate import corpus_counts

    class Piece:  # the two calls corpus_counts makes of a corpus piece
        tempo = 120.0

        @staticmethod
        def values():
            return ["C,0.500", "C,0.500,<M2,M2>", "R,0.500", "C,1.000,<m-3,m-3>",
                    "S,0.500,<M2,M2>"]

        @staticmethod
        def events():
            return []

    monkeypatch.setattr("improv.learning.wjd.load_solo_piece", lambda path: Piece())
    tallies, _players, _own = corpus_counts(["x.csv"], BANDS)
    line = tallies[FOLLOW_AT]
    # the phrase's first note has no interval: the line counts from its third, the rest
    # passed over (up 2, down 3, then up 2)
    assert line.sum() == 1 and line[cls(2), cls(-3), cls(2)] == 1


def test_the_line_and_the_run_both_hear_a_history_read_once():
    """The soloist hands its history over as a one-pass iterator: the line reads it, and
    the run's momentum after it still hears the whole of it."""
    values = [UP2, DOWN2, UP1, REST, FIRST]
    run = ((1.0, 3.0, 1.0, 1.0), (1.0,) * 4)  # up, after two steps up: three times as likely
    table = Calibration(((1.0,) * N_DURATIONS,) * BANDS, ((1.0,) * N_INTERVALS,) * BANDS,
                        run=run, line=tuple(tuple(tuple(r) for r in p) for p in neutral_line()))
    work = calibration.Calibrator(table, values)
    w = np.full(5, 0.2)
    work.apply(w, 0, None, iter([(0, ()), (0, ()), (4, ())]))  # up 2, up 2, a first note
    assert work.heard("line") == (cls(2), cls(2))
    assert work.last_run == (calibration.UP, 1)
    assert w[0] == pytest.approx(3 * w[1])  # a step on up: three times a step down
