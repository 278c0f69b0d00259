"""streamstats.repeated_run: the one longest-repeat search, with and without overlap."""

from hypothesis import given, settings
from hypothesis import strategies as st

from improv.language.grammar import parse_value
from improv.analysis.streamstats import longest_repeat, repeated_run


def brute_force(seq, overlap):
    """Every length from the longest down, every pair of starts: the definition itself."""
    n = len(seq)
    for length in range(n - 1, 0, -1):
        for i in range(n - length + 1):
            for j in range(i + 1, n - length + 1):
                if (overlap or j - i >= length) and seq[i:i + length] == seq[j:j + length]:
                    return length
    return 0


def occurs_twice(run, seq, overlap):
    k = len(run)
    starts = [i for i in range(len(seq) - k + 1) if tuple(seq[i:i + k]) == run]
    return any(overlap or b - a >= k for a in starts for b in starts if b > a)


def test_overlap_decides_what_counts_as_twice():
    assert repeated_run([5, 5, 5, 5]) == (5, 5, 5)
    assert repeated_run([5, 5, 5, 5], overlap=False) == (5, 5)
    assert repeated_run("CDCDCD") == tuple("CDCD")
    assert repeated_run("CDCDCD", overlap=False) == tuple("CD")
    assert repeated_run([1, 2, 3, 9, 1, 2, 3], overlap=False) == (1, 2, 3)


def test_nothing_repeats():
    for overlap in (True, False):
        assert repeated_run([], overlap=overlap) == ()
        assert repeated_run([7], overlap=overlap) == ()
        assert repeated_run([1, 2, 3], overlap=overlap) == ()


def test_any_hashable_items_and_the_cap():
    values = [parse_value(v) for v in ("C,0.250", "S,0.500,<M2,m-3>", "R,0.250")] * 3
    assert repeated_run(values, overlap=False) == tuple(values[:3])
    assert repeated_run([(1, "a"), (2, "b"), (1, "a"), (2, "b")], overlap=False) == \
        ((1, "a"), (2, "b"))
    looping = [0, 1, 2, 3, 4, 5] * 200
    assert longest_repeat(looping, cap=500) == 500
    assert longest_repeat(looping, cap=5000) == len(looping) - 6
    assert longest_repeat(looping, cap=5000, overlap=False) == len(looping) // 2


def test_of_equal_lengths_the_earliest_second_occurrence_wins():
    assert repeated_run([1, 2, 7, 3, 4, 3, 4, 1, 2], overlap=False) == (3, 4)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=40), st.booleans())
def test_agrees_with_the_definition(seq, overlap):
    run = repeated_run(seq, overlap=overlap)
    assert len(run) == brute_force(seq, overlap)
    assert not run or occurs_twice(run, seq, overlap)
    assert longest_repeat(seq, overlap=overlap) == len(run)
