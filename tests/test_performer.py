"""The performer: values -> notes against the chart, swing, dynamics, comping."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from improv.language.grammar import DURATION_GRID, PHRASE_GAP, Value, encode_line
from improv.language.harmony import note_type, parse_chord
from improv.band.comping import Comping, voicing
from improv.performance.feel import Feel, swing
from improv.band.melodysettings import Melody
from improv.language.grammar import exact_duration
from improv.band.chart import Progression

from daemon_fakes import FakeSource, duo

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0, timing="grid")
NO_COMP = Comping(enabled=False)


def perform(values, until, chart="F7 | Bb7 | F7 Cm7 F7", seed=1, **kw):
    kw.setdefault("feel", STRAIGHT)
    kw.setdefault("comping", NO_COMP)
    p = duo(FakeSource(values), Progression.parse(chart), np.random.default_rng(seed), **kw)
    return p, p.advance(until)


def test_progression_loops_and_splits_bars():
    prog = Progression.parse("F7 | Bb7 | F7 Cm7")
    assert [str(prog.chord_at(b)) for b in (0, 3.99, 4, 8, 9.99, 10, 12, 22)] == \
        ["F7", "F7", "Bb7", "F7", "F7", "Cm7", "F7", "Cm7"]
    span = prog.span_at(Fraction(23))
    assert (span.start, span.end) == (22, 24)


def test_notes_follow_durations_exactly_with_triplets_and_rests():
    values = ["C,0.333", "C,0.333", "C,0.333", "R,0.500", "S,0.250", "C,0.250"]
    p, notes = perform(values, 3 * 4)
    starts = [Fraction(n.start).limit_denominator(12) for n in notes]
    assert starts[:5] == [0, Fraction(1, 3), Fraction(2, 3), Fraction(3, 2), Fraction(7, 4)]
    assert starts[5] == 2  # the cycle repeats every 2 beats, no drift
    assert all(n.end > n.start for n in notes)
    assert p.cursor >= 12


def test_pitch_types_match_the_chord_sounding_and_stay_in_range():
    values = ["C,0.500", "S,0.500,<M2,m-3>", "A,0.500,<M3,M-3>", "C,0.500,<P4,P-4>"]
    melody = Melody(low=55, high=79)
    _, notes = perform(values, 64, melody=melody, seed=3)
    assert len(notes) == 128
    for note, value in zip(notes, values * 32):
        assert 55 <= note.pitch <= 79
        assert note_type(note.pitch, note.chord) == value[0]
        assert note.chord == Progression.parse("F7 | Bb7 | F7 Cm7 F7").chord_at(note.start)


def test_interval_ranges_are_applied_to_the_previous_pitch():
    # Up a second to a fourth, then down as much: the line stays inside the register.
    values = ["C,0.500", "C,0.500,<M3,m-3>"] * 2 + ["C,0.500,<P4,M2>", "C,0.500,<M-2,P-4>"]
    _, notes = perform(values, 48, seed=5)
    assert len(notes) == 96
    ranges = {"<M3,m-3>": (-3, 4), "<P4,M2>": (2, 5), "<M-2,P-4>": (-5, -2)}
    for before, after, value in zip(notes, notes[1:], (values * 20)[1:]):
        if "<" in value:
            lo, hi = ranges[value[8:]]
            assert lo <= after.pitch - before.pitch <= hi


def test_a_rest_of_phrase_gap_starts_a_new_phrase():
    # After a long rest the next value has no range; the one after a short rest keeps it.
    calls = []

    import improv.band.melody as perf
    real = perf.decode

    def spy(value, chord, previous, rng, limits, **kw):
        calls.append(previous)
        return real(value, chord, previous, rng, limits, **kw)

    values = ["C,0.500", "R,0.500", "C,0.500,<M3,m-3>", f"R,{PHRASE_GAP:.3f}",
              "C,0.500,<M3,m-3>", "R,0.500", "R,0.500", "C,0.500"]
    perf.decode, saved = spy, perf.decode
    try:
        perform(values, 4.5)
    finally:
        perf.decode = saved
    assert calls[0] is None and calls[1] is not None
    assert calls[2] is None       # a rest of PHRASE_GAP ends the phrase
    assert calls[3] is None       # two short rests adding up to the gap too


def previous_pitches_decoded(values, chart="F7"):
    """Play ``values`` once through a Performer; the ``previous`` each note was decoded
    with (None: the performer started a phrase there)."""
    import improv.band.melody as perf

    seen, real = [], perf.decode

    def spy(value, chord, previous, rng, limits, **kw):
        seen.append(previous)
        return real(value, chord, previous, rng, limits, **kw)

    p = duo(FakeSource(values), Progression.parse(chart), np.random.default_rng(1),
                  feel=STRAIGHT, comping=NO_COMP)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(perf, "decode", spy)
        p.advance(sum(exact_duration(v) for v in values))  # the line once, not a value more
    return seen


def check_phrases_agree(line):
    values = encode_line(line)
    previous = previous_pitches_decoded(values)
    pitched = [v for v in values if not v.is_rest]
    assert len(previous) == len(pitched)
    # The encoder starts a phrase (a value with no range) exactly where the performer
    # decodes with no previous pitch; inside a phrase it gets the pitch it just played.
    assert [v.lo is None for v in pitched] == [p is None for p in previous]


def test_encode_line_and_performer_agree_on_phrases():
    f7 = parse_chord("F7")
    line = [(60, 0.5, f7), (None, 1.0, f7), (62, 0.5, f7),             # one rest of the gap
            (None, 0.5, f7), (64, 0.5, f7),                             # a short rest: same phrase
            (None, 0.5, f7), (None, 0.5, f7), (65, 0.25, f7),           # two making the gap
            (None, 1 / 3, f7), (None, 1 / 3, f7), (None, 1 / 3, f7),    # triplets making it
            (67, 0.333, f7), (None, 0.75, f7), (69, 1.0, f7), (None, 2.0, f7), (None, 0.25, f7),
            (70, 0.5, f7)]
    values = encode_line(line)
    assert [v.lo is None for v in values if not v.is_rest] == \
        [True, True, False, True, True, False, True]
    check_phrases_agree(line)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(52, 84)),
                          st.sampled_from(DURATION_GRID[:12])), min_size=1, max_size=40))
def test_encode_line_and_performer_agree_on_any_line(events):
    f7 = parse_chord("F7")
    check_phrases_agree([(pitch, duration, f7) for pitch, duration in events])


def test_encode_line_and_performer_agree_on_off_grid_rests():
    f7 = parse_chord("F7")  # 5/12 + 5/12 of rest: two R,0.500 values, a whole beat
    check_phrases_agree([(60, 0.5, f7), (None, 5 / 12, f7), (None, 5 / 12, f7), (62, 0.5, f7)])


def test_same_seed_same_notes_however_far_ahead_we_ask():
    values = ["C,0.250", "S,0.333,<M2,m-3>", "R,0.250", "A,0.667,<M3,M-3>", "X,0.500,<m3,m-3>"]
    feel = Feel(swing=0.5, accent=10, humanise=6, timing="grid")
    comping = Comping()
    _, once = perform(values, 48, seed=9, feel=feel, comping=comping)
    chunks = []
    p = duo(FakeSource(values), Progression.parse("F7 | Bb7 | F7 Cm7 F7"),
                   np.random.default_rng(9), feel=feel, comping=comping)
    beat = 0.0
    while beat < 48:
        beat += 0.37
        chunks.extend(p.advance(min(beat, 48)))
    key = lambda n: (n.start, n.part, n.pitch)
    assert sorted(chunks, key=key) == sorted(once, key=key)


def test_velocity_accent_and_humanise():
    _, notes = perform(["C,0.500"], 32, feel=Feel(swing=0, accent=12, humanise=0, timing="grid"),
                       melody=Melody(velocity=80))
    # on the beat +12; on the bar's strong beats (1 and 3 of 4/4) 6 more
    assert [n.velocity for n in notes[:8]] == [98, 80, 92, 80, 98, 80, 92, 80]
    _, notes = perform(["C,0.500"], 64, feel=Feel(swing=0, accent=0, humanise=5, timing="grid"),
                       melody=Melody(velocity=80))
    velocities = {n.velocity for n in notes}
    assert velocities <= set(range(75, 86)) and len(velocities) > 3
    _, notes = perform(["C,0.500"], 8, feel=Feel(swing=0, accent=40, humanise=20, timing="grid"),
                       melody=Melody(velocity=120))
    assert all(1 <= n.velocity <= 127 for n in notes)


def test_swing_moves_offbeat_eighths_towards_the_triplet():
    assert swing(Fraction(1, 2), 0.0) == 0.5
    assert swing(Fraction(1, 2), 1.0) == pytest.approx(2 / 3 - 1 / 48)  # short of 2/3:
    assert swing(Fraction(1, 2), 1.0) < swing(Fraction(2, 3), 1.0)  # a note between keeps a length
    assert swing(Fraction(5, 2), 0.5) == pytest.approx(2 + 0.5 + 1 / 12)
    for amount in (0.0, 0.3, 1.0):
        assert swing(Fraction(1, 3), amount) == pytest.approx(1 / 3)
        assert swing(Fraction(7), amount) == 7.0


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1), st.lists(st.sampled_from(DURATION_GRID[:12]), min_size=2, max_size=30))
def test_swing_keeps_every_note_positive_and_in_order(amount, durations):
    values = [Value("C", d) for d in durations]
    _, notes = perform(values, sum(durations), feel=Feel(swing=amount, accent=0, humanise=0, timing="grid"))
    for a, b in zip(notes, notes[1:]):
        assert a.start < a.end <= b.start + 1e-9


def test_comping_strikes_one_voicing_per_chord_in_register():
    # style "sustain": one strike per chord (the charleston rhythm is tests/test_comping.py's)
    comping = Comping(enabled=True, channel=3, low=50, velocity=55, style="sustain")
    _, notes = perform(["R,1.000"], 16, comping=comping)
    chords = [n for n in notes if n.part == "comping"]
    assert {n.channel for n in chords} == {3}
    assert [n.start for n in chords if n.start < 8] == [0] * 4 + [4] * 4
    third_bar = sorted({(n.start, n.end) for n in chords if 8 <= n.start < 12})
    assert [s for s, _ in third_bar] == pytest.approx([8, 8 + 4 / 3, 8 + 8 / 3])
    assert all(50 <= n.pitch < 62 and n.velocity == 55 for n in chords)


@pytest.mark.parametrize("symbol, tones", [("F7", {5, 9, 0, 3}), ("Cm7", {0, 3, 7, 10}),
                                           ("G13", {7, 11, 5, 4}), ("Bdim7", {11, 2, 5, 8}),
                                           ("C", {0, 4, 7})])
def test_voicings_are_chord_tones_within_an_octave(symbol, tones):
    pitches = voicing(parse_chord(symbol), 50)
    assert {p % 12 for p in pitches} == tones
    assert max(pitches) - min(pitches) < 12 and min(pitches) >= 50


def test_skip_to_makes_nothing_before_the_beat_and_restrikes_the_chord():
    source = FakeSource(["C,0.500", "C,1.000"])
    p = duo(source, Progression.parse("F7 | Bb7"), np.random.default_rng(0),
                  feel=STRAIGHT, comping=Comping(style="sustain"))
    p.advance(1)
    p.skip_to(9)  # bar 3, beat 2: F7 again
    notes = p.advance(10)
    assert min(n.start for n in notes) == 9
    assert {n.part for n in notes if n.start == 9} == {"melody", "comping"}
    assert all(str(n.chord) == "F7" for n in notes if n.part == "comping")
