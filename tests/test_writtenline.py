"""The written rhythm of a transcription as a line of values (pure, microseconds)."""

from fractions import Fraction as F

from hypothesis import given, strategies as st

from improv.language.grammar import GRID_ONSETS, on_value_grid
from improv.learning.writtenline import written_line, written_spans


def twelfths(x) -> int:
    assert (x * 12).denominator == 1
    return int(x * 12)


def on_grid(line) -> None:
    """Every boundary a grid onset, every note and every gap after one a value length."""
    for k, (start, end, _pitch) in enumerate(line):
        assert twelfths(start) % 12 in GRID_ONSETS and twelfths(end) % 12 in GRID_ONSETS
        assert on_value_grid(twelfths(end - start))
        if k + 1 < len(line):
            gap = twelfths(line[k + 1][0] - end)
            assert gap == 0 or (gap >= 3 and (on_value_grid(gap) or gap > 96))


def test_swung_eighths_are_written_eighths_held_to_the_next():
    # written on the beat and its half, played short: the line is the written eighths
    notes = [(F(k, 2), 0.4, 60 + k) for k in range(8)]
    line = written_line(notes)
    assert line[:7] == [(F(k, 2), F(k + 1, 2), 60 + k) for k in range(7)]
    assert line[7][0] == F(7, 2) and abs(line[7][1] - F(39, 10)) <= F(1, 12)


def test_a_sextuplet_run_is_kept_and_a_32nd_run_becomes_one():
    sextuplets = [(F(k, 6), 0.15, 60 + k) for k in range(6)]
    assert [a for a, _b, _p in written_line(sextuplets)] == [F(k, 6) for k in range(6)]
    thirty_seconds = [(F(k, 8), 0.1, 60 + k) for k in range(8)]
    line = written_line(thirty_seconds)
    on_grid(line)
    assert [a for a, _b, _p in line] == [F(k, 6) for k in range(6)]
    assert line[-1][1] - line[0][0] == F(1)  # the beat still ends where it did


def test_a_rest_stays_a_rest_and_a_short_gap_is_articulation():
    line = written_line([(F(0), 0.5, 60), (F(2), 0.9, 62), (F(3), 0.2, 64)])
    assert line[0] == (F(0), F(1, 2), 60)  # a rest of 1.5 beats follows
    assert line[1] == (F(2), F(3), 62)  # 0.1 beat short of the next: held to it
    on_grid(line)


def test_the_top_note_of_a_place_sounds_and_a_grace_note_goes():
    line = written_line([(F(0), 0.9, 60), (F(0), 0.9, 64), (F(1, 24), 0.1, 50), (F(1), 1, 65)])
    assert [p for _a, _b, p in line] == [64, 65]
    spans = written_spans([(F(0), 0.9, 60), (F(0), 0.9, 64), (F(1), 1, 65)])
    assert [k for _a, _b, k in spans] == [1, 2]


@given(st.lists(st.tuples(st.integers(0, 96), st.integers(1, 8), st.integers(1, 30),
                          st.integers(40, 90)), max_size=40))
def test_any_transcription_lands_on_the_value_grid(raw):
    # notes at any twelfth, and the first and last tatum of beats divided 1..8 ways
    notes = [(F(at, 12), F(length, 12), pitch) for at, _d, length, pitch in raw]
    notes += [(F(at // 12) + F(t - 1, d), 0.3, 60) for at, d, *_ in raw for t in (1, d)]
    line = written_line(notes)
    on_grid(line)
    starts = [a for a, _b, _p in line]
    assert starts == sorted(set(starts))
    # nobody moves more than a twelfth from the twelfth nearest its written place
    places = {F(x[0]) for x in notes}
    assert all(min(abs(a - p) for p in places) <= F(1, 8) for a in starts)
