"""The drums: each style's pattern where the module says, fills and a crash at a new
section or chorus, seeded variation, short notes on channel 10, the level knob."""

from fractions import Fraction

import numpy as np
import pytest

from improv.band.chart import Progression, Timeline
from improv.band.drumkit import (CLOSED_HAT, CRASH, CROSS_STICK, KICK, PEDAL_HAT, RIDE,
                                 SNARE, STYLES, TOMS)
from improv.band.drums import LEVEL_KNOB, Drums, drums_part
from improv.performance.feel import Feel, swing
from improv.band.part import Stage
from improv.errors import UsageError
from improv.language.leadsheet import parse_text

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0)
EIGHT_BARS = "C7 | F7 | C7 | C7 | F7 | F7 | C7 | G7"  # a chorus of 8: fills at bar 8 only
TWO_SECTIONS = "[A]\n| C7 | F7 | C7 | G7 |\n[B]\n| F7 | F7 | C7 | C7 |"


def stage(progression: Progression, feel: Feel = STRAIGHT) -> Stage:
    return Stage(Timeline(progression), progression.beats_per_bar, feel)


def play(style, metre=None, bars=16, seed=0, feel=STRAIGHT, chart=EIGHT_BARS, level=1.0):
    metre = metre or STYLES[style].home
    part = drums_part(Drums(), np.random.default_rng(seed), style)
    part.set_level(level)
    return part.play(bars * metre, stage(Progression.parse(chart, metre), feel))


def where(notes, key, metre, bars=range(1, 7)):
    """Per bar of the chart's middle (no crash, no fill), the beats in the bar ``key`` hits."""
    return [sorted(Fraction(n.start).limit_denominator(12) - b * metre
                   for n in notes if n.pitch == key and n.bar == b + 1) for b in bars]


def test_swing_rides_and_closes_the_hi_hat_on_two_and_four():
    notes = play("swing", bars=64)
    for b in range(64):  # the hi-hat foot keeps time in every bar, fills too
        assert where(notes, PEDAL_HAT, 4, [b]) == [[1, 3]]
    for ride in where(notes, RIDE, 4, range(1, 7)):
        assert {0, 1, 2, 3} <= set(ride) <= {0, 1, Fraction(3, 2), 2, Fraction(5, 2), 3,
                                             Fraction(7, 2)}


def test_swing_skips_fall_on_the_swung_off_beat():
    notes = play("swing", feel=Feel(swing=1.0, humanise=0), bars=8)
    offs = {round(n.start % 1, 3) for n in notes if n.pitch == RIDE}
    swung = round(swing(Fraction(1, 2), 1.0), 3)  # by the triplet (short of it by a 48th)
    assert offs <= {0.0, swung} and swung in offs


def test_bossa_plays_the_clave_over_two_bars_straight_whatever_the_band_swings():
    notes = play("bossa", bars=16, feel=Feel(swing=1.0, humanise=0))
    for b, cross in zip(range(1, 7), where(notes, CROSS_STICK, 4)):
        clave = {0, Fraction(3, 2), 3} if b % 2 == 0 else {1, Fraction(5, 2)}
        assert clave <= set(cross), (b, cross)
    for kick in where(notes, KICK, 4):
        assert {0, 2} <= set(kick)
    hats = {Fraction(n.start).limit_denominator(4) % 1 for n in notes if n.pitch == CLOSED_HAT}
    assert hats == {0, Fraction(1, 2)}  # straight eighths, not swung


def test_waltz_rides_one_two_and_three_with_the_hi_hat_on_two():
    notes = play("waltz", bars=16)
    assert all(n.bar <= 16 for n in notes) and max(n.start for n in notes) < 48
    for ride, hat in zip(where(notes, RIDE, 3), where(notes, PEDAL_HAT, 3)):
        assert {0, 1, 2} <= set(ride) <= {0, 1, Fraction(3, 2), 2, Fraction(5, 2)}
        assert 1 in hat and set(hat) <= {1, 2}


def test_five_four_plays_a_cell_per_group():
    notes = play("swing", metre=5, bars=16)
    for ride, hat in zip(where(notes, RIDE, 5), where(notes, PEDAL_HAT, 5)):
        assert hat == [1, 2, 4]  # 3+2: every beat but each group's first
        assert {0, 1, 2, 3, 4} <= set(ride)


def test_even_eighths_backbeat_and_latin_kick():
    notes = play("even8", bars=16)
    for snare, kick in zip(where(notes, SNARE, 4), where(notes, KICK, 4)):
        assert {1, 3} <= set(snare) and {0, 2} <= set(kick)
    notes = play("latin", bars=16)
    for kick, hat in zip(where(notes, KICK, 4), where(notes, PEDAL_HAT, 4)):
        assert {Fraction(3, 2), 3} <= set(kick) and hat == [1, 3]
    notes = play("ballad", bars=16)
    sweeps = where(notes, SNARE, 4)
    assert all({1, 3} <= set(snare) for snare in sweeps)  # the brush taps 2 and 4
    assert sum({0, 2} <= set(snare) for snare in sweeps) >= 4  # and sweeps 1 and 3, mostly


@pytest.mark.parametrize("style", list(STYLES))
def test_short_notes_on_channel_ten_in_every_style(style):
    notes = play(style, bars=32, feel=Feel())
    assert notes and {n.channel for n in notes} == {10}
    assert all(0 < n.end - n.start < 1 for n in notes)
    assert all(1 <= n.velocity <= 127 for n in notes)


def test_same_seed_same_notes_however_far_ahead_asked_and_another_seed_differs():
    st = stage(Progression.parse(EIGHT_BARS))
    one = drums_part(Drums(), np.random.default_rng(5)).play(64, st)
    part = drums_part(Drums(), np.random.default_rng(5))
    steps = [Fraction(k * 7, 10) for k in range(1, 92)] + [64]
    chunks = [n for until in steps for n in part.play(until, st)]
    assert one == chunks
    assert one != drums_part(Drums(), np.random.default_rng(6)).play(64, st)


def test_no_bar_repeats_like_a_loop():
    notes = play("swing", bars=100, seed=3)
    shapes = [tuple(sorted((n.start, n.pitch) for n in notes if n.bar == b))
              for b in range(1, 101)]
    again = sum(a == b for a, b in zip(shapes, shapes[1:]))
    assert again <= 10 and len(set(shapes)) >= 50


@pytest.mark.parametrize("chart", [TWO_SECTIONS, None])
def test_a_fill_then_a_crash_on_the_one_of_a_new_section_or_chorus(chart):
    progression = (Progression.from_chart(parse_text(chart)) if chart
                   else Progression.parse("C7 | F7 | C7 | G7 | F7 | F7 | C7 | C7"))
    opens = [16, 32, 48] if chart else [32]
    for seed in range(8):
        notes = drums_part(Drums(), np.random.default_rng(seed)).play(64, stage(progression))
        crashes = [n.start for n in notes if n.pitch == CRASH]
        assert crashes == opens  # not on the first downbeat: no fill led to it
        for beat in opens:
            assert any(n.start == beat and n.pitch == KICK for n in notes)
            # the fill's first stroke is sure: on the last beat, two beats or the bar
            # before, and the ride gives way to it until the crash
            assert any(any(n.start == beat - k and n.pitch in TOMS for n in notes) and
                       not any(beat - k <= n.start < beat and n.pitch == RIDE for n in notes)
                       for k in (1, 2, 4)), (seed, beat)
        toms = {n.bar for n in notes if n.pitch in TOMS[1:]}
        assert toms <= {b // 4 for b in opens + [64]}  # toms only in the bars before


def test_level_scales_every_velocity_and_zero_is_silent():
    full = play("swing", bars=8, seed=2)
    half = play("swing", bars=8, seed=2, level=0.5)
    assert [(n.start, n.pitch) for n in full] == [(n.start, n.pitch) for n in half]
    assert all(h.velocity <= (f.velocity + 1) // 2 + 1 for f, h in zip(full, half))
    assert play("swing", bars=8, level=0.0) == []
    part = drums_part(Drums(), np.random.default_rng(0))
    part.tune(LEVEL_KNOB, 0.25)
    assert part.level == 0.25


def test_a_busy_soloist_gets_fewer_comping_hits():
    def snares(busy):
        part = drums_part(Drums(), np.random.default_rng(1))
        part.hear(busy)
        notes = part.play(256, stage(Progression.parse(EIGHT_BARS)))
        return sum(n.pitch == SNARE for n in notes)
    assert snares(1.0) < snares(0.5) < snares(0.0)


def test_style_changes_from_the_next_bar_and_unknown_styles_are_refused():
    st = stage(Progression.parse(EIGHT_BARS))
    part = drums_part(Drums(style="bossa"), np.random.default_rng(0))
    assert part.style == "bossa"
    assert CROSS_STICK in {n.pitch for n in part.play(4, st)}
    part.set_style("even8")
    assert SNARE in {n.pitch for n in part.play(8, st)}
    assert drums_part(Drums(), np.random.default_rng(0), "waltz").style == "waltz"
    with pytest.raises(UsageError, match="samba"):
        part.set_style("samba")
    with pytest.raises(UsageError):
        Drums(style="samba")


def test_entering_mid_bar_plays_nothing_before_the_cursor():
    part = drums_part(Drums(), np.random.default_rng(0))
    part.skip_to(Fraction(5, 2))
    notes = part.play(8, stage(Progression.parse(EIGHT_BARS)))
    assert notes and min(n.start for n in notes) >= 2.5 and part.cursor == 8
