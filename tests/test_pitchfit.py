"""The values the melody can play as the model means them: the mask, the sampler
keeping to it, and the decoder turning at the edge of a phrase's register."""

import numpy as np
import pytest

from improv.language.grammar import PitchLimits, Value, decode
from improv.language.harmony import parse_chord, type_table
from improv.sampling.pitchfit import PitchFit
from improv.sampling.soloist import Soloist

from randmodel import write_random_model

C7 = parse_chord("C7")


def test_a_value_fits_where_its_own_interval_has_its_type_inside_the_register():
    values = [
        Value("C", 0.5, -1, 5),   # +2 from C4: D, a scale tone over C7, not a chord tone
        Value("S", 0.5, -1, 5),   # +2: D, a scale tone
        Value("C", 0.5, 1, 7),    # +4: E, a chord tone
        Value("C", 0.5, 9, 15),   # +12: C5, a chord tone, but above the register below
        Value("C", 0.5),          # a phrase's first note: nothing to fit
        Value("R", 0.5),          # a rest
    ]
    fit = PitchFit(values)
    table = type_table(C7)
    assert fit.mask(60, table, 48, 70).tolist() == [False, True, True, False, True, True]
    assert fit.mask(60, table, 48, 72).tolist() == [False, True, True, True, True, True]
    # the same intervals from D4: E (+2) is a chord tone there, F# (+4) is not
    assert fit.mask(62, table, 48, 80).tolist()[:3] == [True, False, False]


def test_the_notes_that_fit_take_the_ranged_notes_share_and_rests_keep_theirs():
    """Renormalising over everything allowed would hand the masked notes' weight to the
    rests, and the line would rest more than the model means."""
    values = [Value("C", 0.5, -1, 5), Value("S", 0.5, -1, 5), Value("C", 0.5, 1, 7),
              Value("R", 0.5), Value("R", 1.0)]
    fit = PitchFit(values)
    w = np.array([0.3, 0.1, 0.2, 0.25, 0.15])
    assert fit.keep(w, 60, type_table(C7), 48, 80)
    assert w.tolist() == pytest.approx([0.0, 0.6 * 0.1 / 0.3, 0.6 * 0.2 / 0.3, 0.25, 0.15])
    same = np.array([0.3, 0.1, 0.2, 0.25, 0.15])
    assert not fit.keep(same, 60, type_table(C7), 100, 120)  # nothing fits: as it was
    assert same.tolist() == [0.3, 0.1, 0.2, 0.25, 0.15]


def test_the_sampler_keeps_to_the_values_that_fit_wherever_any_does(tmp_path):
    model = write_random_model(tmp_path / "m", seed=3)
    table = type_table(C7)
    free = Soloist.load(model, seed=4)
    fitted = Soloist.load(model, seed=4)
    fitted.fit(lambda at: (64, table, 55, 72))
    fits = PitchFit(fitted.values).mask(64, table, 55, 72).copy()
    drawn = [fitted.next_index() for _ in range(400)]
    assert all(fits[i] for i in drawn)
    before = [free.next_index() for _ in range(400)]
    assert not all(fits[i] for i in before)  # the model alone does not
    nothing = Soloist.load(model, seed=4)  # where no ranged value fits, the draw stands
    nothing.fit(lambda at: (64, table, 200, 201))
    assert len([nothing.next_index() for _ in range(50)]) == 50


def test_an_exact_interval_beyond_the_register_turns_back():
    rng = np.random.default_rng(0)
    up_a_third = Value("C", 0.5, 1, 7)  # +4
    # from E4 (64) with the window topping at 66, G#4 is out of it: the line turns
    # back a major third to C4, a chord tone over C7, instead of a semitone step
    assert decode(up_a_third, C7, 64, rng, PitchLimits(55, 66), exact=True) == 60
    # C4 to E4 inside the register is the interval itself
    assert decode(up_a_third, C7, 60, rng, PitchLimits(55, 80), exact=True) == 64
    # from G4 (67) topping at 69: B4 is out and Eb4 below no chord tone: a near draw
    assert decode(up_a_third, C7, 67, rng, PitchLimits(55, 69), exact=True) in (64, 67, 69)
