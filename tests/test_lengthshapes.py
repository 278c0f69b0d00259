"""Each Weimar soloist's lengths as a whole (its shape), learned and played: legato players
hold more notes right up to the next, others let go early more often."""

import json

import numpy as np
import pytest

from improv.learning.feel.feelstyles import SHAPE_POINTS, rank_levels, styles
from improv.performance import levels as levels_mod
from improv.performance import timefeel
from test_timefeel import tiny_table


def test_ties_sit_at_their_mid_rank_or_are_drawn_across_the_levels_they_share():
    cell = ("band", "span")
    samples = {cell: [0.5, 0.7, 1.0, 1.0, 1.0, 1.0]}  # four notes held to the next
    keyed = [[(cell, 0.5), (cell, 1.0), (cell, 1.0)]]
    assert rank_levels(samples, keyed) == [[pytest.approx(1 / 12), pytest.approx(4 / 6),
                                            pytest.approx(4 / 6)]]
    drawn = rank_levels(samples, [[(cell, 1.0)] * 2000], np.random.default_rng(0))[0]
    assert min(drawn) >= 2 / 6 and max(drawn) <= 1.0  # across the held notes' levels
    assert np.mean(drawn) == pytest.approx(4 / 6, abs=0.01) and np.std(drawn) > 0.15
    once = rank_levels(samples, [[(cell, 0.7)] * 500], np.random.default_rng(1))[0]
    assert all(1 / 6 <= x <= 2 / 6 for x in once)  # an untied share: inside its own sixth


def test_a_solos_shape_is_its_lengths_levels_at_the_points():
    rng = np.random.default_rng(0)
    held = [list(np.where(rng.random(400) < 0.3, rng.uniform(0.9, 1.0, 400),
                          rng.uniform(0, 0.9, 400)))]
    even = [list(rng.uniform(0, 1, 400))]
    onsets = [list(rng.uniform(0, 1, 400))] * 3
    found = styles(onsets, held + even + [[0.5] * 10], min_notes=100,
                   length_shapes=held + even + [[0.5] * 10])
    shapes = found["length_shapes"]
    assert shapes["points"] == list(SHAPE_POINTS)
    assert len(shapes["solos"]) == len(found["solos"]) == 2  # the short solo: neither
    legato, plain = (np.array(s) for s in shapes["solos"])
    assert np.all(np.diff(legato) >= 0) and np.all(np.diff(plain) >= 0)
    top = SHAPE_POINTS.index(0.8)  # the legato solo's top fifth is all held notes
    assert legato[top] > 0.9 > plain[top] == pytest.approx(0.8, abs=0.05)
    assert "length_shapes" not in styles(onsets, held + even, min_notes=100)


def shaped(rows, names=()):
    points = SHAPE_POINTS
    styles_ = tuple((0.0, 0.0, 0.0) for _ in rows)
    return tiny_table(styles=styles_, within=((1.0, 0.0), (1.0, 0.0)), style_names=names,
                      length_shapes=tuple(tuple(r) for r in rows), shape_points=points)


def test_a_part_draws_lengths_from_its_soloists_shape():
    legato = np.interp(SHAPE_POINTS, (0, 0.6, 1), (0, 0.95, 1))  # 40% of levels above 0.95
    detached = np.interp(SHAPE_POINTS, (0, 0.4, 1), (0, 0.05, 0.9))  # 40% under 0.05
    table = shaped([legato, detached], ("A_Legato_Solo", "B_Detached_Solo"))
    a = levels_mod.Levels(table, np.random.default_rng(2), "A_Legato_Solo")
    b = levels_mod.Levels(table, np.random.default_rng(2), "B_Detached_Solo")
    la = np.array([a.length() for _ in range(4000)])
    lb = np.array([b.length() for _ in range(4000)])
    assert np.mean(la > 0.95) == pytest.approx(0.4, abs=0.04)
    assert np.mean(lb < 0.05) == pytest.approx(0.4, abs=0.04)
    assert np.all((la >= legato[0]) & (la <= legato[-1]))  # inside the shape's ends
    # the lengths' levels step as the copula's do: one normal draw a note, seeded
    again = levels_mod.Levels(table, np.random.default_rng(2), "A_Legato_Solo")
    assert [again.length() for _ in range(50)] == list(la[:50])


def test_a_table_without_shapes_moves_lengths_by_the_mean_score_as_before():
    table = tiny_table(styles=((0.0, 2.0, 0.0),), within=((1.0, 0.0), (0.1, 0.0)))
    levels = levels_mod.Levels(table, np.random.default_rng(3))
    assert min(levels.length() for _ in range(200)) > 0.95


def shipped_json():
    return json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())


def test_the_shipped_table_keeps_a_shape_for_every_style():
    table = timefeel.shipped()
    assert len(table.length_shapes) == len(table.styles) > 400
    assert table.shape_points == SHAPE_POINTS
    held = np.array([row[SHAPE_POINTS.index(0.9)] for row in table.length_shapes])
    assert held.min() < 0.85 < 0.95 < held.max()  # players differ in how legato they are


@pytest.mark.parametrize("change, why", [
    (lambda s: s["solos"].pop(), "one rising row"),
    (lambda s: s["solos"][0].reverse(), "one rising row"),
    (lambda s: s["solos"][0].__setitem__(-1, 1.5), "one rising row"),
    (lambda s: s["solos"][0].pop(), "one rising row"),
    (lambda s: s.__setitem__("points", [0.5, 0.2]), "points do not rise"),
    (lambda s: s.__setitem__("points", [0.0] + s["points"][1:]), "points do not rise"),
    (lambda s: s.update(points=[1.5], solos=[[0.5]] * len(s["solos"])), "points do not rise"),
])
def test_a_broken_shape_is_refused(change, why):
    data = shipped_json()
    change(data["style"]["length_shapes"])
    with pytest.raises(ValueError, match=why):
        timefeel.TimeFeel.from_dict(data)

