"""Comping like a pianist: rootless A/B voicings led smoothly, a library of rhythms that
varies and leaves space for a busy soloist, heard chords followed, any metre."""

from fractions import Fraction as F
from types import SimpleNamespace

import numpy as np
import pytest

from improv.band.chart import Progression, Span, Timeline
from improv.band.comping import STYLES, Comping, CompingPart, voicing
from improv.band.comprhythm import (BALLAD, BOSSA, PIANIST, QUARTERS, Memory, choose_bar,
                                    figure, pieces, place)
from improv.performance.feel import Feel
from improv.band.part import Stage
from improv.band.rootless import candidates, form_of, forms, lead, movement
from improv.language.harmony import _Q, make_chord, parse_chord
from improv.language.leadsheet import parse_text

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0)
ROOTLESS = ("pianist", "ballad", "bossa", "quarters")
C, D, E, F_, G, A, B = 0, 2, 4, 5, 7, 9, 11


def pcs(pitches):
    return [p % 12 for p in pitches]


def stage_for(progression, listener=None):
    return Stage(Timeline(progression), progression.beats_per_bar, STRAIGHT, listener)


def comp(chart, style="pianist", seed=0, beats=None, soloist=None, listener=None, low=50):
    progression = Progression.parse(chart) if isinstance(chart, str) else chart
    part = CompingPart(Comping(style=style, low=low), np.random.default_rng(seed))
    if soloist is not None:
        part.hear_soloist(soloist)
    stage = stage_for(progression, listener)
    beats = progression.length if beats is None else beats
    return part, stage, part.play(beats, stage)


def strokes(notes):
    """(start, end, chord, pitches bottom to top) per stroke."""
    out = {}
    for n in notes:
        out.setdefault((n.start, n.end, n.chord), []).append(n.pitch)
    return [(s, e, c, tuple(sorted(p))) for (s, e, c), p in sorted(out.items(),
                                                                  key=lambda kv: kv[0][:2])]


def test_a_and_b_forms_of_a_two_five_one_in_c():
    dm7, g7, cmaj7 = (parse_chord(s) for s in ("Dm7", "G7", "Cmaj7"))
    as_pcs = {name: [(c.root + i) % 12 for i in iv] for c, name in ((dm7, "d"), (g7, "g"),
                                                                    (cmaj7, "c"))
              for iv in [forms(c)["A"]]}
    assert as_pcs == {"d": [F_, A, C, E], "g": [B, E, F_, A], "c": [E, G, B, D]}
    bs = {c.name: [(c.root + i) % 12 for i in forms(c)["B"]] for c in (dm7, g7, cmaj7)}
    assert bs == {"Dm7": [C, E, F_, A], "G7": [F_, A, B, E], "Cmaj7": [B, D, E, G]}
    # led from Dm7's A form, G7 takes its B form (7-9-3-13) and Cmaj7 its A form again
    d = lead(None, dm7, 50)
    g = lead(d, g7, 50)
    c = lead(g, cmaj7, 50)
    assert pcs(d) == [F_, A, C, E] and pcs(g) == [F_, A, B, E] and pcs(c) == [E, G, B, D]
    assert movement(d, g) == 1  # only C falls to B


@pytest.mark.parametrize("symbol, expect, rootless", [
    ("G7b9", {B, 3, F_, 8}, True),  # 3, b13, b7, b9: the chord's b9, its scale's b13
    ("G7alt", {B, 3, F_, 10}, True),  # 3, b13, b7, #9
    ("G13", {B, E, F_, A}, True),  # 3, 13, b7, 9
    ("Dm9", {F_, A, C, E}, True),
    ("Bm7b5", {D, F_, A, B}, False),  # b3-b5-b7-R
    ("Bdim7", {B, D, F_, 8}, False),  # symmetric: all four tones
    ("C6", {E, G, A, D}, True),
    ("G7sus4", {C, D, F_, A}, True),  # 4-5-b7-9
])
def test_each_family_voices_its_own_tones(symbol, expect, rootless):
    chord = parse_chord(symbol)
    for _form, v in candidates(chord, 50):
        assert set(pcs(v)) == expect
        assert (chord.root not in pcs(v)) == rootless


def test_no_voicing_leaves_the_window_or_spreads_over_an_octave():
    for low in (40, 50, 60):
        for quality in _Q:
            for root in range(12):
                chord = make_chord(root, quality)
                options = candidates(chord, low)
                assert {f for f, _v in options} >= {"A", "B"}
                for form, v in options:
                    assert form_of(v, chord) == form
                    assert v[0] >= low and v[-1] <= low + 22, (quality, v)
                    assert all(0 < b - a <= 12 for a, b in zip(v, v[1:])), (quality, v)
                    assert set(pcs(v)) <= chord.scale
                assert lead(None, chord, low) and form_of(lead(None, chord, low), chord) in "AB"
    assert candidates(parse_chord("NC"), 50) == () and lead((50, 54), parse_chord("NC"), 50) == ()


@pytest.mark.parametrize("qualities", [("7",), ("m7", "7"), ("maj7",)])
def test_voice_leading_moves_less_than_close_voicings_round_the_cycle_of_fifths(qualities):
    names = ("C", "F", "Bb", "Eb", "Ab", "Db", "Gb", "B", "E", "A", "D", "G") * 3
    chart = [parse_chord(n + qualities[k % len(qualities)]) for k, n in enumerate(names)]
    close = [voicing(c, 50) for c in chart]
    led, last = [], None
    for c in chart:
        last = lead(last, c, 50)
        led.append(last)
    moves = [movement(a, b) for a, b in zip(led, led[1:])]
    assert sum(moves) < sum(movement(a, b) for a, b in zip(close, close[1:]))
    assert max(moves) <= 8  # the hand re-voices upward by inversion, never leaps an octave
    shares = [form_of(v, c) in "AB" for v, c in zip(led, chart)]
    assert sum(shares) >= len(shares) / 3  # mostly A and B forms


def test_a_two_five_chain_keeps_the_guide_tones_stepping():
    chart = [parse_chord(s) for s in ("Dm7", "G7", "Cm7", "F7", "Bbm7", "Eb7", "Abm7", "Db7")]
    led, last = [], None
    for c in chart:
        last = lead(last, c, 50)
        led.append(last)
    # each ii to its V: the ii's 7th falls a half step to the V's 3rd, the rest holds
    for ii, v, chord in zip(led[::2], led[1::2], chart[1::2]):
        assert movement(ii, v) == 1 and (chord.root + 4) % 12 in pcs(set(v) - set(ii))
    assert max(movement(a, b) for a, b in zip(led, led[1:])) <= 7


def test_the_part_plays_rootless_voicings_above_low():
    for style in ROOTLESS:
        _part, _stage, notes = comp("Dm7 | G7 | Cmaj7 | A7alt | Dm7b5 G7b9 | Cm6 | F7sus4 | Bb6",
                                    style, beats=64, low=48)
        assert notes, style
        for start, end, chord, pitches in strokes(notes):
            assert min(pitches) >= 48 and max(pitches) <= 70
            assert set(pcs(pitches)) <= chord.scale
            assert all(b - a <= 12 for a, b in zip(pitches, pitches[1:]))


@pytest.mark.parametrize("library", [PIANIST, BALLAD, QUARTERS])
def test_every_figure_fills_its_group_on_the_eighth_grid(library):
    for size, grids in library.items():
        for grid in grids:
            assert len(grid.rstrip("~")) == 2 * size, grid
            for h in figure(grid):
                assert h.at % F(1, 2) == 0 and 0 <= h.at < size and h.length > 0
    for first, second in BOSSA:
        assert len(first.rstrip("~")) == len(second.rstrip("~")) == 8


@pytest.mark.parametrize("style", ROOTLESS)
@pytest.mark.parametrize("metre, chart", [(4, "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 D7 "
                                                "| Gm7 C7"),
                                          (3, "Bbmaj7 | G7 | Cm7 | F7"),
                                          (5, "Ebm7 | Bbm7 | Cbmaj7 | Db7")])
def test_strokes_stay_on_the_grid_inside_their_chords(style, metre, chart):
    progression = Progression.parse(chart, metre)
    part, stage, notes = comp(progression, style, beats=progression.length * 8)
    played = strokes(notes)
    assert played
    for (on, off, chord, _p), nxt in zip(played, played[1:] + [None]):
        on, off = F(on).limit_denominator(8), F(off).limit_denominator(16)
        assert on % F(1, 2) == 0 and on < off
        if nxt is not None:
            assert off <= F(nxt[0]).limit_denominator(8)  # never rings into the next
        span = stage.span_at(on)
        if chord != span.chord:  # an anticipation: an off-beat eighth before its chord
            ahead = stage.span_at(on + F(1, 2))
            assert chord == ahead.chord and on % 1 == F(1, 2) and off <= ahead.end
        else:
            assert off <= span.end
    # every chord of the chart is struck in every chorus
    starts = {F(s).limit_denominator(8) for s, *_ in played}
    for k in range(8):
        for span in progression.spans:
            begin = span.start + k * progression.length
            assert any(begin - F(1, 2) <= s < span.end + k * progression.length for s in starts)


@pytest.mark.parametrize("style", ROOTLESS)
def test_the_same_seed_comps_the_same_way_however_it_is_asked(style):
    chart = "Dm7 | G7 | Cmaj7 | A7 | Dm7 G7 | Cmaj7"
    _p, _s, whole = comp(chart, style, seed=3, beats=96)
    part = CompingPart(Comping(style=style), np.random.default_rng(3))
    stage = stage_for(Progression.parse(chart))
    pieces_ = []
    for until in range(1, 97, 3):
        pieces_ += part.play(until, stage)
    assert pieces_ == whole
    _p, _s, other = comp(chart, style, seed=4, beats=96)
    assert other != whole or style == "quarters"


def test_no_rhythm_runs_three_bars_and_many_are_used():
    memory, rng, seen = Memory(), np.random.default_rng(1), []
    for bar in range(400):
        hits, memory = choose_bar("pianist", 4, bar, rng, 1.0, memory)
        seen.append(hits)
    for a, b, c in zip(seen, seen[1:], seen[2:]):
        assert not a == b == c
    repeats = sum(a == b for a, b in zip(seen, seen[1:]))
    assert repeats / 399 < 0.15 and len(set(seen)) >= 10


def test_a_busy_soloist_gets_fewer_and_shorter_strokes():
    chart = "F7 | Bb7 | F7 | F7 | Bb7 | Bb7 | F7 | D7 | Gm7 | C7 | F7 | C7"
    counts, lengths = {}, {}
    for density in (0.0, 4.0):
        _p, _s, notes = comp(chart, "pianist", beats=48 * 20, soloist=density)
        played = strokes(notes)
        counts[density] = len(played)
        lengths[density] = np.mean([e - s for s, e, *_ in played])
    assert counts[4.0] < 0.7 * counts[0.0]
    assert lengths[4.0] < lengths[0.0]


def test_hearing_the_soloist_changes_only_the_bars_drawn_after():
    part, stage, first = comp("F7 | Bb7", "pianist", beats=8)
    part.hear_soloist(float("nan"))  # nothing heard: as before
    part.hear_soloist(6.0)
    assert all(n.start >= 8 for n in part.play(16, stage))


class HeardChords:
    """A listener that holds ``chord`` from ``beat`` on."""

    settings = SimpleNamespace(follow_chords=True)

    def __init__(self, chord, beat):
        self.chord, self.beat = chord, beat

    def chord_for(self, beat):
        return self.chord if beat >= self.beat else None


def test_a_struck_chord_is_revoiced_to_the_heard_chord_by_voice_leading():
    heard = HeardChords(None, 0)
    part, stage, notes = comp("Dm7 | Dm7", "pianist", beats=8, listener=heard)
    struck = strokes(notes)[0]
    heard.chord, heard.beat = parse_chord("G7"), 0  # the musician moves on to G7
    first = [n for n in notes if n.start == struck[0]]
    sent = sorted(part.revoice(n, stage).pitch for n in first)
    assert pcs(sent) == [F_, A, B, E]  # G7's B form: only C moved, to B
    assert movement(struck[3], tuple(sent)) == 1
    assert all(part.revoice(n, stage).chord == heard.chord for n in first)
    heard.chord = parse_chord("Dm7")
    assert [part.revoice(n, stage) for n in first] == first  # the same chord: as struck


def test_following_the_musician_voices_the_heard_chord_and_never_anticipates():
    heard = HeardChords(parse_chord("Ebmaj7"), 0)
    _p, stage, notes = comp("C7 | F7", "pianist", beats=32, listener=heard)
    assert notes and all(n.chord == heard.chord for n in notes)
    assert all(set(pcs([n.pitch])) <= heard.chord.scale for n in notes)


@pytest.mark.parametrize("name", ["waltz-in-bb", "five-four", "blues-in-f"])
def test_shipped_charts_in_three_four_and_five_play(name):
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "data" / "charts" / f"{name}.txt").read_text()
    progression = Progression.from_chart(parse_text(text, name))
    for style in ROOTLESS:
        _p, stage, notes = comp(progression, style, beats=progression.length * 2)
        bars = {n.bar for n in notes}
        assert len(bars) >= progression.bars  # most bars struck, none empty for long
        assert all(stage.bar_of(F(n.start).limit_denominator(8)) == n.bar for n in notes)


def test_five_four_is_cut_three_and_two_and_long_bars_into_threes_and_twos():
    assert pieces(5) == (3, 2) and pieces(4) == (4,) and pieces(3) == (3,)
    assert pieces(7) == (4, 3) and sum(pieces(11)) == 11 and max(pieces(11)) <= 4


def test_anticipation_over_the_bar_line_voices_the_next_chord():
    progression = Progression.parse("Dm7 | G7")
    stage = stage_for(progression)
    hits = figure("x---...X~")
    placed = place(hits, F(0), 4, F(0), F(0), stage.span_at)
    assert [(s.on, s.off, s.span.chord.name) for s in placed] == [
        (0, 2, "Dm7"), (F(7, 2), 5, "G7")]
    # following the musician, no one knows the next chord: cut at the change
    placed = place(hits, F(0), 4, F(0), F(0), stage.span_at, anticipate=False)
    assert [(s.on, s.off, s.span.chord.name) for s in placed] == [
        (0, 2, "Dm7"), (F(7, 2), 4, "Dm7")]
    # the next bar strikes nothing under the tie, and G7 counts as struck
    nxt = place(figure("x---x---"), F(4), 4, F(4), F(5), stage.span_at,
                last=Span(F(4), F(8), parse_chord("G7")))
    assert [s.on for s in nxt] == [6]


def test_a_chord_the_figure_leaves_out_is_struck_where_it_begins():
    stage = stage_for(Progression.parse("Dm7 G7"))
    placed = place(figure("x-------"), F(0), 4, F(0), F(0), stage.span_at)
    assert [(s.on, s.off, s.span.chord.name) for s in placed] == [(0, 2, "Dm7"),
                                                                    (2, F(7, 2), "G7")]
    assert place((), F(0), 4, F(0), F(0), stage.span_at) == []  # laying out a bar


def test_no_chord_rests():
    _p, _s, notes = comp("NC | C7", "pianist", beats=8)
    assert notes and all(n.start >= 3.5 for n in notes)


def test_close_styles_still_listed_and_the_default_follows_the_band():
    assert STYLES[:2] == ("charleston", "sustain") and set(ROOTLESS) <= set(STYLES)
    assert Comping().style == "auto"  # the band's style's; on its own a pianist's
    assert CompingPart(Comping())._settings.style == "pianist"


@pytest.mark.parametrize("style", ROOTLESS)
def test_through_the_scheduler_no_note_is_struck_while_it_sounds_and_all_end(style):
    from daemon_fakes import FakeClock, FakeSource, RecordingPort, duo, pair_notes
    from improv.timing.scheduler import Scheduler

    band = duo(FakeSource(["R,1.000"]), Progression.parse("Dm7 | G7 | Cmaj7 A7alt | Dm7 G7"),
               np.random.default_rng(0), comping=Comping(style=style), feel=Feel())
    clock = FakeClock()
    port = RecordingPort(clock)
    Scheduler(band, port, tempo=240, clock=clock, wait=clock.wait,
              start_delay=0.0).run(until_beat=64)
    pairs, left = pair_notes(port.sent)
    comped = sorted((on, off, m.note) for on, off, m in pairs if m.channel == 1)
    assert comped and not left
    sounding = {}
    for on, off, pitch in comped:
        assert sounding.get(pitch, 0) <= on  # struck again only once it has stopped
        sounding[pitch] = off
