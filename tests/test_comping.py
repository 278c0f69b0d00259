"""Comping rhythm: when each chord of the chart is struck, and for how long."""

from fractions import Fraction as F

import numpy as np

from improv.band.comping import Comping, comp_hits
from improv.performance.feel import Feel
from improv.band.chart import Progression

from daemon_fakes import FakeSource, duo


def test_sustain_holds_each_chord_once():
    assert comp_hits(F(0), F(4), "sustain") == [(0, 4, 0)]


def test_charleston_strikes_on_one_and_on_the_and_of_two():
    assert comp_hits(F(0), F(4), "charleston") == [(0, F(3, 2), 0), (F(3, 2), F(7, 2), 6)]
    # a chord held for two bars: one, and-of-two, and-of-two of the next bar (one of the
    # second bar is not restruck: the and of two before it still rings)
    assert [h[0] for h in comp_hits(F(0), F(8), "charleston")] == [0, F(3, 2), F(11, 2)]


def test_charleston_in_half_bars():
    assert comp_hits(F(0), F(2), "charleston") == [(0, F(3, 2), 0), (F(3, 2), F(2), 6)]
    assert comp_hits(F(2), F(4), "charleston") == [(2, 4, 0)]  # the push is already past


def test_hits_never_overlap_and_stay_inside_the_chord():
    for start, end in ((0, 4), (0, 2), (2, 4), (0, 12), (F(1, 2), 4), (3, F(13, 4))):
        hits = comp_hits(F(start), F(end), "charleston")
        assert hits[0][0] == start
        for (on, off, _), nxt in zip(hits, hits[1:] + [(F(end), None, None)]):
            assert on < off <= nxt[0] <= end and off - on <= 2


def test_performer_comps_in_the_chosen_style():
    def chords(style):
        p = duo(FakeSource(["R,1.000"]), Progression.parse("F7 | Bb7"),
                      np.random.default_rng(0), feel=Feel(swing=0.0, accent=0, humanise=0, timing="grid"),
                      comping=Comping(style=style))
        return sorted({(n.start, n.velocity) for n in p.advance(8) if n.part == "comping"})

    assert chords("sustain") == [(0.0, 60), (4.0, 60)]
    assert chords("charleston") == [(0.0, 60), (1.5, 66), (4.0, 60), (5.5, 66)]
