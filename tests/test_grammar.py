"""Grammar: value text, interval names, the duration grid, encode/decode, fallbacks, and
the property that every encoded note decodes to its type inside its range."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from improv.errors import UsageError
from improv.language.grammar import (
    DEFAULT_LIMITS,
    DURATION_GRID,
    MAX_DURATION,
    PitchLimits,
    Value,
    decode,
    encode,
    encode_line,
    interval_name,
    is_valid_start,
    parse_interval,
    parse_value,
    on_value_grid,
    quantize_duration,
)
from improv.language.harmony import _Q, make_chord, note_type, parse_chord
from improv.learning.tokenstats import RoundTrip, most_frequent, round_trip, type_shares

CMAJ7 = parse_chord("Cmaj7")
WIDE = PitchLimits(0, 127)


def rng(seed=0):
    return np.random.default_rng(seed)


# --- text ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["C,0.250,<M-2,m-6>", "R,0.500", "S,0.333,<P5,m2>",
                                  "A,0.667", "X,8.000,<P15,A4>", "C,1.500,<P1,A-4>"])
def test_value_text_round_trip(text):
    assert str(parse_value(text)) == text
    value = parse_value(text)
    assert parse_value(str(value)) == value


def test_value_fields():
    value = parse_value("C,0.250,<M-2,m-6>")
    assert value == Value("C", 0.25, -8, -2)
    assert value.needs_previous and not value.is_rest
    assert parse_value("C,0.333").duration == 1 / 3  # the triplet, not 0.333
    assert parse_value(" R,1 ").is_rest
    assert parse_value("C,0.250,<m-6,M-2>") == value  # bounds in either order


@pytest.mark.parametrize("text", ["", "Q,1.000", "C", "C,0", "C,-1", "R,0.500,<M2,m3>",
                                  "C,1.000,<Z2,m3>", "C,1.000,<M2>", "C,1.000,<M4,m3>"])
def test_bad_values_raise_one_line(text):
    with pytest.raises(UsageError) as info:
        parse_value(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("semitones, name", [(0, "P1"), (1, "m2"), (2, "M2"), (-5, "P-4"),
                                             (6, "A4"), (7, "P5"), (-12, "P-8"), (13, "m9"),
                                             (14, "M9"), (24, "P15"), (-19, "P-12")])
def test_interval_names(semitones, name):
    assert interval_name(semitones) == name
    assert parse_interval(name) == semitones


def test_interval_names_invert_and_alternative_spellings():
    assert all(parse_interval(interval_name(s)) == s for s in range(-60, 61))
    assert parse_interval("d5") == 6 and parse_interval("A-5") == -8 and parse_interval("d-8") == -11
    with pytest.raises(UsageError):
        parse_interval("P0")


# --- durations ------------------------------------------------------------------------

def test_duration_grid_keeps_straight_triplet_and_sextuplet_values():
    for d in (1 / 6, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 5 / 6, 1.0, 4 / 3, 1.5, 4.0, MAX_DURATION):
        assert d in DURATION_GRID
    assert list(DURATION_GRID) == sorted(set(DURATION_GRID))
    # exactly the lengths on_value_grid accepts, in twelfths
    assert [round(d * 12) for d in DURATION_GRID] == \
        [t for t in range(1, int(MAX_DURATION * 12) + 1) if on_value_grid(t)]
    assert not any(on_value_grid(t) for t in (0, 1, 5, 7, 11, 13))


@pytest.mark.parametrize("raw, snapped", [(0.34, 1 / 3), (0.7, 2 / 3), (0.74, 0.75), (0.26, 0.25),
                                          (0.17, 1 / 6), (0.85, 5 / 6), (0.0, 1 / 6),
                                          (-1, 1 / 6), (1.02, 1.0), (100, MAX_DURATION)])
def test_quantize_duration(raw, snapped):
    assert quantize_duration(raw) == snapped


# --- encode -----------------------------------------------------------------------------

def test_encode():
    assert encode(None, 0.5, CMAJ7, 60) == Value("R", 0.5)
    assert encode(64, 1.0, CMAJ7, None) == Value("C", 1.0)
    assert str(encode(64, 1.0, CMAJ7, 60)) == "C,1.000,<P5,m2>"  # +4 widened to +1..+7
    assert str(encode(61, 0.26, CMAJ7, 64)) == "A,0.250,<P1,A-4>"  # -3 widened to -6..0
    assert encode(62, 1 / 3, CMAJ7, 62).kind == "S"
    assert encode(70, 1.0, parse_chord("C"), 72).kind == "X"


def test_encode_line_phrases():
    line = [(60, 1.0, CMAJ7), (64, 0.5, CMAJ7), (None, 0.5, CMAJ7), (67, 0.5, CMAJ7),
            (None, 0.5, CMAJ7), (None, 0.5, CMAJ7), (72, 1.0, CMAJ7)]
    values = encode_line(line)
    assert [v.lo is not None for v in values] == [False, True, False, True, False, False, False]
    assert (values[3].lo, values[3].hi) == (0, 6)  # 64 -> 67 across a short rest
    assert is_valid_start(values[0]) and not is_valid_start(values[1])
    assert not is_valid_start(values[2])


# --- decode -----------------------------------------------------------------------------

def test_decode_rest_and_determinism():
    assert decode(Value("R", 1.0), CMAJ7, 60, rng()) is None
    value = Value("C", 0.5, -5, 5)
    first = [decode(value, CMAJ7, 67, rng(7)) for _ in range(3)]
    assert len(set(first)) == 1
    draws = {decode(value, CMAJ7, 67, r) for r in [rng(s) for s in range(40)]}
    assert draws == {64, 67, 71, 72}  # every chord tone within -5 … +5 of G4


def test_decode_without_range_stays_near_the_middle():
    limits = PitchLimits(52, 84)
    for seed in range(30):
        pitch = decode(Value("S", 1.0), CMAJ7, None, rng(seed), limits)
        assert note_type(pitch, CMAJ7) == "S" and 61 <= pitch <= 75


def test_decode_fallback_turns_the_range_around_at_the_edge_of_the_register():
    limits = PitchLimits(52, 84)
    for seed in range(20):
        # up 2..8 semitones from C6 would leave the register: down 2..8 instead
        pitch = decode(Value("C", 0.5, 2, 8), CMAJ7, 84, rng(seed), limits)
        assert note_type(pitch, CMAJ7) == "C" and 76 <= pitch <= 82


def test_decode_fallback_nearest_of_type_when_the_range_leaves_the_limits():
    limits = PitchLimits(52, 84)
    pitch = decode(Value("C", 1.0, 1, 7), CMAJ7, 100, rng(), limits)
    assert pitch == 84  # C6: the chord tone inside the limits nearest 104


def test_decode_fallback_centre_when_no_pitch_has_the_type():
    limits = PitchLimits(52, 84)
    pitch = decode(Value("X", 1.0, -2, 4), parse_chord("Ebdim7"), 60, rng(), limits)
    assert pitch == 61  # no X exists over a diminished chord: the range's centre


def test_pitch_limits_validate():
    with pytest.raises(UsageError):
        PitchLimits(80, 60)
    with pytest.raises(UsageError):
        PitchLimits(-1, 60)


# --- properties -------------------------------------------------------------------------

chords = st.builds(make_chord, st.integers(0, 11), st.sampled_from(sorted(_Q)),
                   st.none() | st.integers(0, 11))
pitches = st.integers(0, 127)
durations = st.floats(0.01, 12.0, allow_nan=False)


@settings(max_examples=400, deadline=None)
@given(chord=chords, pitch=pitches, previous=st.none() | pitches, duration=durations,
       seed=st.integers(0, 2**32 - 1))
def test_decode_of_encode_has_the_type_and_lies_in_the_range(chord, pitch, previous, duration,
                                                             seed):
    value = encode(pitch, duration, chord, previous)
    assert parse_value(str(value)) == value
    assert value.duration == quantize_duration(duration)
    got = decode(value, chord, previous, np.random.default_rng(seed), WIDE)
    assert note_type(got, chord) == value.kind == note_type(pitch, chord)
    if previous is not None:
        assert previous + value.lo <= got <= previous + value.hi
        assert value.hi - value.lo == 6


@settings(max_examples=300, deadline=None)
@given(chord=chords, kind=st.sampled_from("CSAXR"), lo=st.integers(-30, 30),
       previous=st.none() | pitches, low=st.integers(0, 100), span=st.integers(0, 27),
       seed=st.integers(0, 2**32 - 1))
def test_decode_always_answers_inside_the_limits(chord, kind, lo, previous, low, span, seed):
    limits = PitchLimits(low, low + span)
    value = Value(kind, 0.5) if kind == "R" else Value(kind, 0.5, lo, lo + 6)
    got = decode(value, chord, previous, np.random.default_rng(seed), limits)
    if kind == "R":
        assert got is None
    else:
        assert limits.low <= got <= limits.high


@settings(max_examples=100, deadline=None)
@given(line=st.lists(st.tuples(st.none() | pitches, durations, chords), min_size=1, max_size=40))
def test_round_trip_of_random_lines_is_perfect(line):
    values = encode_line(line)
    events, previous, offset = [], None, 0.0
    for (pitch, duration, chord), value in zip(line, values):
        events.append(_Event(offset, pitch, duration, chord, str(value), previous))
        previous = pitch if pitch is not None else previous
        offset += duration
    trip = round_trip(events)
    assert trip.ok and trip.percent == 100.0, trip.failures


# --- figures ------------------------------------------------------------------------------

class _Event:
    def __init__(self, offset, pitch, duration, chord, value, previous):
        self.offset, self.pitch, self.duration = offset, pitch, duration
        self.chord, self.value, self.previous = chord, value, previous


def test_round_trip_reports_a_wrong_value():
    good = _Event(0.0, 64, 1.0, CMAJ7, "C,1.000", None)
    wrong_type = _Event(1.0, 62, 1.0, CMAJ7, "C,1.000,<M3,M-2>", 64)
    outside = _Event(2.0, 72, 1.0, CMAJ7, "C,1.000,<M3,M-2>", 64)
    rest = _Event(3.0, None, 0.5, CMAJ7, "C,0.500", 72)
    trip = round_trip([good, wrong_type, outside, rest])
    assert (trip.notes, trip.notes_passed, trip.rests, trip.rests_passed) == (3, 1, 1, 0)
    assert not trip.ok and trip.percent == pytest.approx(100 / 3)
    assert len(trip.failures) == 3 and "quarter 1" in trip.failures[0]
    assert RoundTrip(0, 0).percent == 100.0


def test_type_shares_and_most_frequent():
    values = ["C,0.250", "C,0.250", "S,0.500", "R,0.250"]
    assert type_shares(values) == {"C": 0.5, "S": 0.25, "A": 0.0, "X": 0.0, "R": 0.25}
    assert type_shares([]) == dict.fromkeys("CSAXR", 0.0)
    assert most_frequent(values, 2) == [("C,0.250", 2), ("S,0.500", 1)]


# --- decode's musical preferences, and the phrase tracker --------------------------------

from improv.language.grammar import Phrase  # noqa: E402


def test_an_approach_tone_resolves_by_semitone_to_a_chord_tone():
    c7 = parse_chord("C7")
    rng = np.random.default_rng(0)
    value = parse_value("C,0.250,<M3,m-3>")  # -3..+4 around the approach tone
    for previous in (61, 63, 66, 68, 71):  # Db Eb Gb Ab B: semitone neighbours of C E G Bb
        assert note_type(previous, c7) == "A"
        for _ in range(20):
            pitch = decode(value, c7, previous, rng)
            assert abs(pitch - previous) == 1 and note_type(pitch, c7) == "C"


def test_with_exact_intervals_an_approach_tone_moves_as_the_value_says():
    """The players resolve an approach tone by a semitone only 59% of the time: the
    value's own interval stands where it fits, the semitone only where it does not."""
    c7 = parse_chord("C7")
    rng = np.random.default_rng(0)
    assert note_type(63, c7) == "A"
    down_three = encode(60, 0.25, c7, 63)  # Eb to C: a minor third down
    assert all(decode(down_three, c7, 63, rng, exact=True) == 60 for _ in range(20))
    # a chord tone encoded from +2, where F is no chord tone: the resolution, up to E
    up_two = Value("C", 0.25, -1, 5)
    assert all(decode(up_two, c7, 63, rng, exact=True) == 64 for _ in range(20))


def test_draws_favour_the_interval_the_value_was_encoded_from():
    chord = parse_chord("C")
    value = encode(67, 0.5, chord, 64)  # up a minor third: range 0..+6
    rng = np.random.default_rng(1)
    counts = {}
    for _ in range(3000):
        pitch = decode(value, chord, 64, rng)
        counts[pitch] = counts.get(pitch, 0) + 1
    assert set(counts) == {67}  # the chord tones in range, less the repeat of 64: a step
    c_e = encode(64, 0.5, chord, 60)  # up a major third: range +1..+7, E and G
    drawn = [decode(c_e, chord, 60, rng) for _ in range(3000)]
    assert drawn.count(64) > 1.5 * drawn.count(67)  # weight 4 against 1: the step dominates


def test_a_repeat_is_drawn_only_from_a_unison_or_when_nothing_else_fits():
    chord = parse_chord("C")
    rng = np.random.default_rng(3)
    unison = encode(64, 0.5, chord, 64)  # range -3..+3: E, G
    assert 64 in {decode(unison, chord, 64, rng) for _ in range(200)}
    only = Value("C", 0.5, 0, 1)  # nothing but the repeat fits
    assert decode(only, chord, 64, rng) == 64


def test_a_new_phrase_starts_between_the_anchor_and_the_middle():
    chord = parse_chord("F7")
    rng = np.random.default_rng(2)
    value = parse_value("C,0.500")
    middle = (DEFAULT_LIMITS.low + DEFAULT_LIMITS.high) // 2  # 66: A♭2..E6's
    for anchor in (52, 70, 84):
        centre = (anchor + middle) // 2
        pitches = {decode(value, chord, None, rng, anchor=anchor) for _ in range(50)}
        assert all(abs(p - centre) <= 7 for p in pitches)


def test_phrase_closes_after_a_gap_counted_exactly_in_twelfths():
    phrase = Phrase()
    assert not phrase.rest(1.0)  # no phrase open yet: nothing to close
    phrase.note(60)
    assert not phrase.rest(1 / 3) and not phrase.rest(1 / 3)
    assert phrase.previous == 60 and phrase.open
    assert phrase.rest(0.333)  # 4 + 4 + 4 twelfths: exactly a beat closes it
    assert phrase.previous is None and not phrase.open
    assert not phrase.rest(2.0)  # already closed


def test_exact_decoding_plays_the_interval_each_value_was_encoded_from():
    """Round trip: a line over its chords, encoded, decodes back note for note with
    exact=True (the first note of the phrase aside: it has no interval); spread draws
    around the intervals and does not."""
    chord = parse_chord("G7")
    line = [67, 65, 64, 62, 59, 60, 62, 65, 71, 74, 72, 71]
    values = encode_line([(p, 0.5, chord) for p in line])
    for exact, expected in ((True, True), (False, False)):
        rng = np.random.default_rng(3)
        played = [line[0]]
        for value in values[1:]:
            played.append(decode(value, chord, played[-1], rng, exact=exact))
        assert (played == line) is expected


@given(st.floats(-2, 10, allow_nan=False))
def test_quantize_duration_is_the_nearest_grid_point_the_lower_on_a_tie(raw):
    nearest = min(DURATION_GRID, key=lambda g: (abs(g - raw), g))
    expected = DURATION_GRID[0] if raw <= DURATION_GRID[0] else \
        MAX_DURATION if raw >= MAX_DURATION else nearest
    assert quantize_duration(raw) == expected
