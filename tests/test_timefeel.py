"""The learned time feel: the learner on hand-made Weimar CSVs, the table, the draws,
and the melody that plays with it (no corpus needed)."""

import csv
import dataclasses
import json
import math
from collections import Counter
from fractions import Fraction

from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from improv.performance import levels as levels_mod
from improv.performance import ornaments, performer, quantiles, timefeel
from improv.band.chart import Progression
from improv.band.comping import Comping
from improv.performance.feel import Feel, swing
from improv.language.grammar import exact_duration
from improv.errors import UsageError
from improv.learning import timednotes
from improv.learning.feel import ornaments as ornament_learner
from improv.learning.feel import timefeel as learner

from daemon_fakes import FakeSource

BEAT = 0.5  # seconds: 120 BPM
BEATS = 320
VALUES = ["C,0.500", "S,0.250", "C,0.250", "C,0.333", "A,0.333", "C,0.333", "R,0.500",
          "C,1.000", "S,0.500", "C,0.750", "C,0.250"]


def write_solo(folder, notes, beats=BEATS):
    """A Weimar CSV pair: ``notes`` as (beat index, division, tatum, seconds late,
    duration s, beatdur s)."""
    (folder / "melody").mkdir(parents=True, exist_ok=True)
    (folder / "beats").mkdir(exist_ok=True)
    with open(folder / "beats" / "solo.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["bar", "bass_pitch", "beat", "chord", "chorus_id", "form", "onset",
                      "signature"])
        for k in range(beats):
            out.writerow([k // 4 + 1, 40, k % 4 + 1, "C7" if k == 0 else "", 1, "",
                          1.0 + k * BEAT, "4/4" if k == 0 else ""])
    with open(folder / "melody" / "solo.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["bar", "beat", "beatdur", "denom", "division", "duration", "num",
                      "onset", "period", "pitch", "subtatum", "tatum"])
        for k, division, tatum, late, length, beatdur in notes:
            at = 1.0 + (k + (tatum - 1) / division) * BEAT + late
            out.writerow([k // 4 + 1, k % 4 + 1, beatdur, 4, division, length, 4, at, 4,
                          64, 0, tatum])
    return folder / "melody" / "solo.csv"


def swung_player(tmp_path):
    """Eighth notes on every beat: the first 20 ms behind the beat, the second at 0.6
    of the beat (a swing ratio of 1.5); plus one broken row and one quintuplet."""
    notes = []
    for k in range(BEATS - 1):
        notes.append((k, 2, 1, 0.020, 0.2, BEAT))
        notes.append((k, 2, 2, 0.1 * BEAT, 0.15, BEAT))
    notes.append((3, 5, 2, 0.0, 0.05, 0.0))  # beatdur 0: dropped
    notes.append((5, 5, 3, 0.0, 0.05, BEAT))  # a quintuplet: off the twelfth grid
    return write_solo(tmp_path, notes)


def test_the_learner_finds_the_lay_back_and_the_swing_ratio(tmp_path):
    dropped = Counter()
    solo = timednotes.solo_notes(*timednotes.load_pair(swung_player(tmp_path)), dropped)
    assert sum(dropped.values()) == 1 and "beatdur" in next(iter(dropped))
    assert sum(n.twelfth is None for n in solo) == 1
    rows = {r["tempo"]: r for r in learner.swing_table([solo])}
    row = rows["110-150"]
    assert row["offbeat_eighths"] == BEATS - 1
    assert row["phase"] == pytest.approx(0.6, abs=1e-3)
    assert row["swing_ratio"] == pytest.approx(1.5, abs=0.01)
    assert row["layback_ms"] == pytest.approx(20.0, abs=0.1)
    table = learner.learn([solo])
    band = learner.band_of(120.0)
    longer = timednotes.lead(0.5, 0.5)  # an eighth since the onset before and to the next
    on_beat = table["onset"]["quantiles"][band][0][0][longer]  # twelfth 0, eighths
    off_beat = table["onset"]["quantiles"][band][6][0][longer]
    assert on_beat == pytest.approx([0.04] * learner.LEVELS, abs=1e-3)  # 20 ms = 0.04 beat
    assert off_beat == pytest.approx([0.1] * learner.LEVELS, abs=1e-3)
    leads = timednotes.LEADS
    assert table["onset"]["quantiles"][band][3][2] == [None] * leads  # no sixteenths played

    def by_lead_in(counts):  # the notes of each lead-in, every lead-out together
        return np.array(counts).reshape(len(timednotes.LEAD_INS), -1).sum(axis=1).tolist()

    # the on-beat note beside the quintuplet is in a finer beat: its own cell; the solo's
    # first note comes in after silence, as after a rest
    assert by_lead_in(table["onset"]["notes"][band][0][0]) == [0, 0, BEATS - 3, 0, 1]
    assert by_lead_in(table["onset"]["notes"][band][0][2]) == [0, 0, 1, 0, 0]
    # a lead no note had holds its grain's notes, every lead together
    assert table["onset"]["quantiles"][band][0][0][0] == on_beat
    # the pooled band holds the same notes; the other bands none
    assert table["onset"]["quantiles"][-1][6][0][longer] == off_beat
    assert table["onset"]["quantiles"][0][6][0] == [None] * leads


def test_a_beat_after_a_sixteenth_is_learned_apart_from_one_after_an_eighth(tmp_path):
    """Fast players put a beat's first note late after a sixteenth pickup and on time
    after an eighth; the beat's own grain cannot tell the two apart, the lead-in can."""
    beats, notes = 1000, []
    for k in range(beats - 1):
        late = 0.05 if k % 4 == 3 else 0.0  # 0.1 beat late after the sixteenth before
        notes += [(k, 2, 1, late, 0.2, BEAT), (k, 2, 2, 0.0, 0.2, BEAT)]  # no rests
        if k % 4 == 2:
            notes.append((k, 4, 4, 0.0, 0.1, BEAT))  # a sixteenth pickup into beat k + 1
    solo = timednotes.solo_notes(*timednotes.load_pair(write_solo(tmp_path, notes, beats)))
    table = learner.learn([solo])
    band = learner.band_of(120.0)
    eighths = table["onset"]["quantiles"][band][0][0]  # on the beat, in eighths
    lead = timednotes.lead  # each led out of by the eighth after it
    after_sixteenth, after_triplet, after_eighth = (eighths[lead(g, 0.5)] for g in (0.25, 1 / 3, 0.5))
    counts = np.array(table["onset"]["notes"][band][0][0]).reshape(
        len(timednotes.LEAD_INS), -1).sum(axis=1)
    assert counts.tolist() == [249, 0, 749, 0, 1]  # of 999 beats, the first after silence
    assert after_sixteenth == pytest.approx([0.1] * learner.LEVELS, abs=1e-3)
    assert after_eighth == pytest.approx([0.0] * learner.LEVELS, abs=1e-3)
    # no triplet led into any: the cell holds every lead-in of its grain together
    assert after_triplet[0] == pytest.approx(0.0, abs=1e-3)
    assert after_triplet[-1] == pytest.approx(0.1, abs=1e-3)
    assert [timednotes.lead_in(g) for g in (None, 1 / 6, 0.25, 1 / 3, 0.5, 2.0)] == [2, 0, 0, 1, 2, 2]


def test_an_off_beat_eighth_is_learned_by_what_follows_it(tmp_path):
    """Players hold an off-beat eighth back longer before a longer note than before
    another eighth: the lead-out tells the two apart, and the performer draws each from
    its own cell."""
    notes = []  # three beats: two eighths, an eighth and a dotted quarter
    for k in range(0, 1200, 3):
        notes += [(k, 2, 1, 0.0, 0.2, BEAT), (k, 2, 2, 0.05, 0.2, BEAT),  # 0.1 beat late
                  (k + 1, 2, 1, 0.0, 0.2, BEAT), (k + 1, 2, 2, 0.1, 0.7, BEAT)]  # 0.2 late
    solo = timednotes.solo_notes(*timednotes.load_pair(write_solo(tmp_path, notes, 1201)))
    band = learner.band_of(120.0)
    cells = learner.learn([solo])["onset"]["quantiles"][band][6][0]
    lead = timednotes.lead
    assert cells[lead(0.5, 0.5)] == pytest.approx([0.1] * learner.LEVELS, abs=1e-3)
    assert cells[lead(0.5, 1.5)] == pytest.approx([0.2] * learner.LEVELS, abs=1e-3)
    table = dataclasses.replace(timefeel.TimeFeel.from_dict(learner.learn([solo])),
                                styles=())
    rng = np.random.default_rng(0)
    assert table.onset(6, 120.0, rng, gap=0.5, after=0.5) == pytest.approx(0.1, abs=1e-3)
    assert table.onset(6, 120.0, rng, gap=0.5, after=1.5) == pytest.approx(0.2, abs=1e-3)
    assert [timednotes.lead(0.5, g) % len(timednotes.LEAD_OUTS)
            for g in (None, 0.25, 1 / 3, 0.5, 1.0)] == [3, 0, 1, 2, 3]


def test_a_double_stops_second_note_leads_in_from_the_place_before_the_pair(tmp_path):
    notes = [n for k in range(BEATS - 1) for n in
             ((k, 2, 1, 0.0, 0.2, BEAT), (k, 2, 2, 0.0, 0.2, BEAT), (k, 2, 2, 0.0, 0.2, BEAT))]
    solo = timednotes.solo_notes(*timednotes.load_pair(write_solo(tmp_path, notes)))
    counts = learner.learn([solo])["onset"]["notes"][learner.band_of(120.0)][6][0]
    # both an eighth after the beat (none at 0) and before the next (but the last pair)
    assert sum(counts) == 2 * (BEATS - 1)
    assert counts[timednotes.lead(0.5, 0.5)] == 2 * (BEATS - 2)


def test_articulation_is_the_sounding_share_of_the_span_the_model_writes(tmp_path):
    solo = timednotes.solo_notes(*timednotes.load_pair(swung_player(tmp_path)))
    spans = learner.articulations(solo)
    # the on-beat note (0.2 s = 0.4 beat) runs to the next onset, played 0.56 beat
    # later; the off-beat one (0.3 beat) to the next beat, played 0.44 beat later: each
    # sounds its share of the time played, and both are the written eighths the
    # model's values give them (1/2 beat), not the 7/12 and 5/12 they were played as
    first, second = spans[0], spans[1]
    assert first[0] == 0.5 and second[0] == 0.5
    assert first[1] == pytest.approx(0.4 / 0.56, abs=1e-6)
    assert second[1] == pytest.approx(0.3 / 0.44, abs=1e-6)
    assert spans[-1][2] and not first[2]  # nothing follows the last note: it lets go
    # into silence, and is measured against its own span
    table = learner.learn([solo])
    shares = [x for row in table["length"]["quantiles"] for span in row for c in span if c
              for x in c]
    assert shares and 0.05 <= min(shares) and max(shares) <= 1.0
    # each measured against the time to the next onset as played over its span: 0.56
    # and 0.44 of a beat for an eighth
    assert first[4] == pytest.approx(0.56 / 0.5) and second[4] == pytest.approx(0.44 / 0.5)
    assert spans[-1][4] is None


def test_a_note_a_rest_follows_is_measured_past_its_written_end():
    """The transcription writes a rest from where the note's length, rounded to the
    grid, ends: a note sounding 0.28 beat is written a sixteenth with a rest after it,
    and sounded 1.12 of its span (clipped at 1, improv cut every such note short)."""
    def timed(on, length, tatum):
        return timednotes.Timed(on, on + length, 60, 120.0, 0.5, (tatum - 1) * 3, 0.0, 4,
                             tatum, int(on))

    notes = [timed(0.0, 0.28, 1), timed(0.5, 0.23, 3), timed(1.0, 3.0, 1)]
    (span, ratio, rest, _, stretch), following = learner.articulations(notes)[:2]
    assert rest and span == 0.25 and ratio == pytest.approx(0.28 / 0.25) and stretch is None
    assert following[2] and following[1] == pytest.approx(0.23 / 0.25)
    long = [timed(0.0, 0.45, 1), timed(2.0, 1.0, 1)]  # written a triplet eighth
    assert learner.articulations(long)[0][:3] == (pytest.approx(1 / 3), 1.35, True)
    assert learner.REST_MOST == 1.5 and learner.RATIO_RANGE[1] == 1.0


def test_a_note_the_line_leaves_out_sounds_for_the_line_note_before_it():
    """Two notes at one place on the values' grid make one line note: the time it
    sounds runs to the end of the one left out (a run of 32nds is legato, not a line
    of staccato notes with holes)."""
    def timed(on, length, pitch, tatum=None):
        on_grid = tatum is not None
        return timednotes.Timed(on, on + length, pitch, 120.0, 0.5,
                             (tatum - 1) * 3 if on_grid else None, 0.0 if on_grid else None,
                             4 if on_grid else 5, tatum or 1, int(on))

    notes = [timed(0.0, 0.1, 64, tatum=1), timed(0.03, 0.17, 60), timed(0.25, 0.2, 62, tatum=2)]
    (span, ratio, rest, _, _), _ = learner.articulations(notes)
    assert span == 0.25 and not rest and ratio == pytest.approx(0.2 / 0.25)
    alone = learner.articulations([notes[0], notes[2]])[0]
    assert alone[1] == pytest.approx(0.1 / 0.25)


def test_grain_reads_the_beat_from_the_onsets_around_a_note():
    assert timednotes.grain([0, 6]) == 0 and timednotes.grain([6]) == 0
    assert timednotes.grain([0, 4, 8]) == 1
    assert timednotes.grain([3]) == 2 and timednotes.grain([0, 6, 9]) == 2 and timednotes.grain([-1, 0]) == 2
    assert performer.beat_grain(6, 0, None) == 0 and performer.beat_grain(6, 3, 9) == 2


# --- the table and the draws -------------------------------------------------------------

def by_grain(*cells):
    """A twelfth's cells by grain, each the same for every lead-in."""
    return tuple((c,) * len(timednotes.LEAD_INS) for c in cells)


def tiny_table(**over) -> timefeel.TimeFeel:
    levels = tuple(learner.levels())
    ramp = tuple(np.linspace(-0.1, 0.2, len(levels)))
    bands = 3  # edges (150,) -> two bands, then all tempos
    onsets = tuple(tuple(by_grain(ramp if k in (0, 6) else None, None, ramp) for k in range(12))
                   for _ in range(bands))
    lengths = tuple(tuple(tuple(np.linspace(0.5, 1.0, len(levels))) for _ in range(6))
                    for _ in range(bands))
    ends = tuple(tuple(tuple(np.linspace(0.8, 1.0, len(levels))) for _ in range(6))
                 for _ in range(bands))
    fields = dict(tempo_edges=(150.0,), span_edges=learner.SPAN_EDGES, levels=levels,
                  onsets=onsets, lengths=lengths, rest_ends=ends, onset_serial=0.3,
                  length_serial=0.1)
    return timefeel.TimeFeel(**{**fields, **over})


def test_draws_interpolate_the_quantiles_and_are_seeded():
    table = tiny_table()
    rng = np.random.default_rng(0)
    assert table.onset(0, 120, rng, level=0.5) == pytest.approx(0.05)
    assert table.onset(0, 120, rng, level=table.levels[0]) == pytest.approx(-0.1)
    assert table.onset(0, 120, rng, amount=0.5, level=table.levels[-1]) == pytest.approx(0.1)
    # past the outer quantiles, on into the tail: earlier than the earliest, never far
    deepest = quantiles.tail_value(table.levels, table.onsets[0][0][0][0], 0.0)
    assert table.onset(0, 120, rng, level=0.0) == pytest.approx(deepest)
    assert -0.14 < deepest < -0.1 - 1e-3
    assert 0.1 + 5e-4 < table.onset(0, 120, rng, amount=0.5, level=1.0) < 0.12
    assert table.onset(1, 120, rng, level=0.9) == 0.0  # no cell: the written place
    assert table.onset(6, 120, rng, grain=1, level=0.9) == 0.0
    assert table.length(0.5, 120, False, rng, level=0.0) == pytest.approx(0.5)
    assert table.length(0.5, 120, False, rng, amount=0.0, level=0.0) == 1.0
    assert table.length(0.5, 120, True, rng, level=0.0) == pytest.approx(0.8)
    assert table.onset(0, 120, rng, level=0.0) >= -timefeel.EARLIEST
    early = tiny_table(onsets=tuple(tuple(((tuple([-0.5] * 41),) * 3, (None,) * 3, (None,) * 3)
                                          for _ in range(12)) for _ in range(3)))
    assert early.onset(0, 120, rng) == -timefeel.EARLIEST
    late = tuple([0.1] * 41)  # after a sixteenth, the beat's first note sits late
    led = tiny_table(onsets=tuple(tuple(((late, None, None), (None,) * 3, (None,) * 3)
                                        for _ in range(12)) for _ in range(3)))
    assert led.onset(0, 120, rng, gap=0.25) == pytest.approx(0.1)
    assert led.onset(0, 120, rng, gap=0.5) == led.onset(0, 120, rng) == 0.0

    def draws(seed):
        rng, score, out = np.random.default_rng(seed), None, []
        for k in range(50):
            level, score = levels_mod.next_level(score, table.onset_serial, rng)
            out.append(table.onset(6 * (k % 2), 120, rng, level=level))
        return out

    assert draws(3) == draws(3) and draws(3) != draws(4)


def test_the_copula_keeps_the_draws_uniform_and_correlated():
    rng, score, levels = np.random.default_rng(1), None, []
    for _ in range(20000):
        level, score = levels_mod.next_level(score, 0.5, rng)
        levels.append(level)
    levels = np.array(levels)
    assert abs(levels.mean() - 0.5) < 0.02 and abs(np.median(levels) - 0.5) < 0.02
    assert 0.4 < np.corrcoef(levels[1:], levels[:-1])[0, 1] < 0.55


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, 3, 4, 6, 8, 9, 12, 24]),
                          st.floats(-0.5, 0.5), st.floats(0.0, 1.5), st.floats(-0.5, 0.5)),
                min_size=1, max_size=40))
def test_placed_notes_keep_order_and_never_sound_into_the_next(steps):
    written, previous, placed = 0.0, None, []
    for twelfths, deviation, ratio, ahead in steps:
        end = written + twelfths / 12
        deviation = max(deviation, -timefeel.EARLIEST)
        if placed and placed[-1][2] is not None:
            deviation = placed[-1][2]  # the onset drawn with the note before
        rest = ahead > 0.4  # a rest follows: the share is of the note's own span
        ratio = ratio if rest else min(ratio, 1.0)  # and may run past it, into the rest
        ahead = None if rest else max(ahead, -timefeel.EARLIEST)
        start, stop = performer.place(written, end, deviation, ratio, ahead, previous,
                                     room=performer.REST_OVERRUN)
        assert start >= 0 and stop > start
        if rest:  # at most REST_OVERRUN into the rest: a quarter beat still parts it
            assert stop - start <= max(1.5 * (end - written), performer.MIN_LENGTH) + 1e-12
            assert stop <= max(end + performer.REST_OVERRUN, start + performer.MIN_LENGTH) + 1e-12
        else:  # never past the next onset as it will be played
            assert stop <= max(end + ahead, start + performer.MIN_LENGTH) + 1e-12
        if previous is not None:
            assert start >= previous[0] + performer.MIN_STEP - 1e-12
            assert start >= previous[1] - 1e-12  # nothing overlaps
        assert start >= written - timefeel.EARLIEST - 1e-12
        placed.append((start, stop, ahead))
        previous, written = (start, stop), end


def test_the_shipped_table_loads_and_a_broken_one_is_one_line(tmp_path):
    table = timefeel.shipped()
    assert table.band(100) == 0 and table.band(1000) == len(table.tempo_edges)
    assert 0 < table.onset_serial < 1
    assert table.onset(0, 120, np.random.default_rng(0), level=0.5) > 0  # players lay back
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    assert data["made_by"].startswith("improv feel") and "ODbL" in data["source"]
    assert (timefeel.feel_dir() / "NOTICE").is_file()
    bad = tmp_path / "feel.json"
    data["onset"]["quantiles"][0][0][0] = [1.0, 0.0] + [0.5] * 39
    bad.write_text(json.dumps(data))
    with pytest.raises(UsageError) as err:
        timefeel.load(bad)
    assert "\n" not in str(err.value) and "cannot be read" in str(err.value)
    with pytest.raises(UsageError, match="missing"):
        timefeel.load(tmp_path / "absent.json")
    assert len(table.styles) > 400 and table.within[1][0] < 1  # the players' own styles
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    data["style"]["solos"][0] = [float("nan"), 0.0]
    bad.write_text(json.dumps(data))
    with pytest.raises(UsageError, match="cannot be read"):
        timefeel.load(bad)


# --- the melody playing it ----------------------------------------------------------------

BLUES = "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | D7 | Gm7 | C7 | F7 D7 | Gm7 C7"


def band(feel, seed=5, values=VALUES, table=None):
    from improv.band.melody import MelodyPart
    from improv.band.comping import CompingPart
    from improv.band.ensemble import Ensemble

    parts = [MelodyPart(FakeSource(values), np.random.default_rng([seed, 1]),
                        feel_table=table), CompingPart(Comping(enabled=False))]
    return Ensemble(parts, Progression.parse(BLUES), feel=feel)


def written_line(values, until):
    """(start, end) of each note the values write, in beats, up to ``until``."""
    from improv.language.grammar import parse_value

    parsed = [parse_value(v) for v in values]
    out, at, k = [], Fraction(0), 0
    while at < until:
        value = parsed[k % len(parsed)]
        end = at + exact_duration(value)
        if not value.is_rest:
            out.append((at, end))
        at, k = end, k + 1
    return out


LEARNED = Feel(swing=0.5, accent=0, humanise=3, timing="learned", tempo=140.0)


def test_grid_timing_is_the_swing_mapping_as_before():
    notes = band(Feel(swing=0.5, humanise=3, timing="grid")).advance(48)
    written = written_line(VALUES, 48)
    assert [(n.start, n.end) for n in notes] == \
        [(swing(a, 0.5), swing(b, 0.5)) for a, b in written[:len(notes)]]
    assert Feel().timing == "learned"  # the default plays as the players do


def test_learned_timing_moves_only_the_times():
    grid = band(dataclasses.replace(LEARNED, timing="grid")).advance(96)
    # the written notes (a grace note or a run, added where a player would, has no value)
    learned = [n for n in band(LEARNED).advance(96) if n.value is not None]
    n = min(len(grid), len(learned))
    assert [(a.pitch, a.velocity, a.bar, a.chord) for a in grid[:n]] == \
        [(b.pitch, b.velocity, b.bar, b.chord) for b in learned[:n]]
    assert sum(a.start != b.start for a, b in zip(grid, learned)) > n // 2


def test_learned_notes_keep_order_and_let_go_before_the_next():
    played = band(LEARNED).advance(400)
    starts = [n.start for n in played]  # grace notes too: one line, never overlapping
    assert all(b >= a + performer.MIN_STEP - 1e-12 for a, b in zip(starts, starts[1:]))
    assert starts[0] >= 0 and all(n.end > n.start for n in played)
    assert all(a.end <= b.start + 1e-12 for a, b in zip(played, played[1:]))
    notes = [n for n in played if n.value is not None]  # the written notes, graces aside
    written = written_line(VALUES, 400)[:len(notes)]
    for note, nxt, (at, end) in zip(notes, notes[1:], written):
        assert note.end <= nxt.start + 1e-12  # never into the next note
        assert note.start >= float(at) - timefeel.EARLIEST - 1e-12
        assert note.end <= float(end) + 0.3  # a rest after it: held a little into it
    assert any(n.end < float(end) - 1e-9 for n, (_a, end) in zip(notes, written))  # let go
    on_grid = sum(abs(n.start * 12 - round(n.start * 12)) < 1e-9 for n in notes)
    assert on_grid < len(notes) // 4


def test_an_onset_is_not_pushed_against_the_end_of_the_note_before():
    """A note lets go before the next onset as foreseen when it is placed, before the
    note after that is drawn; that onset, drawn again once its beat is known (here, in
    a finer beat, far earlier), would fall before the end: it takes the foreseen place
    instead of being clipped to the end. With lengths that never reach the next onset,
    only a note kept to the shortest length (performer.MIN_LENGTH) may still touch the
    next (1% here; 15% when every onset was drawn again and clipped)."""
    levels = tuple(learner.levels())
    late, early = (tuple(np.linspace(lo, hi, len(levels))) for lo, hi in ((0.0, 0.2), (-0.1, 0.0)))
    onsets = tuple(tuple(by_grain(late, late, early) for _ in range(12)) for _ in range(3))
    lengths = tuple(tuple(tuple(np.linspace(0.6, 0.95, len(levels))) for _ in range(6))
                    for _ in range(3))
    table = tiny_table(onsets=onsets, lengths=lengths,
                       rest_ends=lengths)
    notes = band(LEARNED, table=table).advance(400)
    touching = sum(abs(b.start - a.end) < 1e-12 for a, b in zip(notes, notes[1:]))
    assert len(notes) > 300 and touching <= 0.02 * len(notes)


def test_a_note_a_rest_follows_sounds_as_the_players_sound_it_before_a_rest():
    """Where a rest is written, a transcription's note is as long as it sounded: those
    notes have cells of their own (here: all of the span), the others sound a share of
    the time to the next onset (here: half). The part draws the next value as it
    plays a note, so it knows which, and the values stay those the source gave."""
    levels = tuple(learner.levels())
    half, whole = tuple([0.5] * len(levels)), tuple([1.0] * len(levels))
    none = tuple(tuple(by_grain(None, None, None) for _ in range(12)) for _ in range(3))
    table = tiny_table(onsets=none, lengths=tuple(tuple(half for _ in range(6)) for _ in range(3)),
                       rest_ends=tuple(tuple(whole for _ in range(6)) for _ in range(3)))
    values = ["C,0.500", "C,0.500", "R,0.500", "C,1.000", "R,1.000", "C,0.250", "C,0.250"]
    notes = band(LEARNED, values=values, table=table).advance(32)
    written = written_line(values, 40)[:len(notes)]
    assert len(notes) > 30
    rest_after = {float(end) for (_a, end), (b, _e) in zip(written, written[1:]) if end != b}
    for note, (at, end) in zip(notes, written):
        assert note.start == float(at)
        expected = float(end) if float(end) in rest_after else float(at + (end - at) / 2)
        assert note.end == pytest.approx(expected)
    grid = band(dataclasses.replace(LEARNED, timing="grid"), values=values).advance(32)
    assert [n.pitch for n in grid] == [n.pitch for n in notes][:len(grid)]


def test_a_note_sounds_into_a_rest_only_as_far_as_the_rest_leaves_room():
    """A note a rest follows may sound past its written end (the players' shares run to
    1.5 of the span), but never so far that the note after the rest, pushed as early as
    a note may be, would have to wait for it: a rest shorter than that push leaves it
    none."""
    levels = tuple(learner.levels())
    early = tuple([-timefeel.EARLIEST] * len(levels))
    onsets = tuple(tuple(by_grain(early, early, early) for _ in range(12)) for _ in range(3))
    long = tuple(tuple(tuple([1.5] * len(levels)) for _ in range(6)) for _ in range(3))
    table = tiny_table(onsets=onsets, rest_ends=long)
    rooms = [(rest, min(performer.REST_OVERRUN,
                        max(beats - timefeel.EARLIEST - performer.MIN_STEP, 0.0)))
             for rest, beats in (("R,0.167", 1 / 6), ("R,0.333", 1 / 3), ("R,1.000", 1.0))]
    assert [room for _, room in rooms] == pytest.approx([0.0, 1 / 12 - 1 / 48, 1 / 8])
    for rest, room in rooms:
        values = ["C,0.333", rest, "C,0.500"]
        notes = band(LEARNED, values=values, table=table).advance(24)
        written = written_line(values, 30)
        assert len(notes) > 10
        for note, after, (at, end), (following, _) in zip(notes, notes[1:], written,
                                                          written[1:]):
            if end < following:  # the triplet eighth the rest follows: 1.5 of its span
                reach = note.start + 1.5 * float(end - at)  # from where it starts
                assert note.end == pytest.approx(min(reach, float(end) + room))
                if room > 0:
                    assert after.start > note.end
                else:  # a rest shorter than the push: the note after it waits for this one
                    assert after.start >= note.end


def test_an_onset_that_would_crowd_the_one_before_is_drawn_again():
    """Sextuplets whose on-beat note may lie late and whose next may lie early: drawn
    independently, one gap in three would shrink under 60% of the written one; the
    players seldom do that, and the melody draws such an onset again."""
    levels = tuple(learner.levels())
    late, early = tuple(np.linspace(0.0, 0.12, len(levels))), tuple(np.linspace(-0.12, 0.0, len(levels)))
    onsets = tuple(tuple(by_grain(None, None, late if k % 4 == 0 else early) for k in range(12))
                   for _ in range(3))
    table = tiny_table(onsets=onsets, onset_serial=0.0)
    notes = band(LEARNED, values=["C,0.167"], table=table).advance(64)
    gaps = np.diff([n.start for n in notes])
    crowded = np.mean(gaps < performer.CROWDED / 6 - 1e-9)
    assert len(notes) > 300 and crowded < 0.05


def test_articulation_is_learned_apart_where_a_rest_follows(tmp_path):
    notes = []
    for k in range(0, BEATS - 2, 2):  # a quarter note, then a beat's rest
        notes.append((k, 1, 1, 0.0, 0.36, BEAT))  # 0.72 of a beat: written 3/4
    solo = timednotes.solo_notes(*timednotes.load_pair(write_solo(tmp_path, notes)))
    spans = learner.articulations(solo)
    assert all(rest and stretch is None for _span, _ratio, rest, _tempo, stretch in spans)
    assert all((span, ratio) == (0.75, pytest.approx(0.96)) for span, ratio, *_ in spans)
    table = learner.learn([solo])
    assert not any(n for row in table["length"]["notes"] for span in row for n in span)
    assert sum(table["rest_follows"]["notes"][-1]) == len(spans)
    assert table["rest_follows"]["notes"][-1][3] == len(spans)  # the 3/4 beats


def test_learned_notes_are_the_same_per_seed_however_far_ahead_the_caller_asks():
    whole = band(LEARNED).advance(64)
    steps = band(LEARNED)
    stepped = []
    for k in range(1, 129):
        stepped += steps.advance(k / 2)
    assert [n for n in stepped if n.start < 64] == [n for n in whole if n.start < 64]
    assert band(LEARNED, seed=6).advance(64) != whole
    # every note that starts before the beat asked for came with that call
    ens = band(LEARNED)
    seen_until = 0.0
    for k in range(1, 65):
        for note in ens.advance(k):
            assert note.start >= seen_until - 1e-12
        seen_until = k


def test_amount_zero_plays_the_straight_grid_held_to_the_next():
    feel = dataclasses.replace(LEARNED, amount=0.0)
    notes = band(feel).advance(24)
    written = written_line(VALUES, 24)
    assert [(n.start, n.end) for n in notes][:len(written)] == \
        [(float(a), float(b)) for a, b in written][:len(notes)]


def test_a_jump_back_plays_on_from_there():
    ens = band(LEARNED)
    ens.advance(16)
    ens.jump_to(0)
    again = ens.advance(8)
    assert again and again[0].start >= 0


def test_a_learned_render_writes_a_midi_file(tmp_path):
    from improv.rendering.midifile import render

    out = tmp_path / "learned.mid"
    result = render(band(LEARNED), out, tempo=140, bars=8)
    assert out.stat().st_size > 100 and result.counts["melody"] > 20


def test_feel_settings_are_checked_in_one_line():
    with pytest.raises(UsageError) as err:
        Feel(timing="swung")
    assert "\n" not in str(err.value) and "'learned', 'grid'" in str(err.value)
    with pytest.raises(UsageError, match="out of range"):
        Feel(amount=1.5)
    from improv.commands import config

    cfg = config.override(config.default(), {"feel.timing": ("--timing", "learned")})
    assert cfg.feel.timing == "learned"
    with pytest.raises(Exception) as err:
        config.override(config.default(), {"feel.timing": ("--timing", "swing")})
    assert "--timing" in str(err.value) and "\n" not in str(err.value)


def test_the_feel_draws_from_a_stream_of_its_own():
    rng = np.random.default_rng([7, 1])
    before = np.random.default_rng([7, 1]).random(5)
    feel = performer.feel_stream(rng)
    assert list(rng.random(5)) == list(before)  # the part's own stream did not move
    assert list(feel.random(5)) == list(performer.feel_stream(np.random.default_rng([7, 1]))
                                        .random(5))
    assert list(feel.random(5)) != list(before)


def test_pushed_notes_go_out_in_time_through_the_scheduler():
    """The scheduler asks ``lookahead`` beats ahead (0.5 by default, 0.125 at least): a
    note pushed up to EARLIEST ahead of its written place, further than the lookahead,
    is made before it is due and sent on time (the melody's notes are ready only that
    far before its cursor)."""
    from improv.timing.scheduler import Scheduler

    from daemon_fakes import FakeClock, RecordingPort

    clock = FakeClock()
    ens = band(dataclasses.replace(LEARNED, tempo=120.0))
    made = []
    advance = ens.advance

    def spied(until, **how):
        notes = advance(until, **how)
        made.extend(notes)
        return notes

    ens.advance = spied
    port = RecordingPort(clock)
    Scheduler(ens, port, tempo=120, lookahead=0.125, clock=clock,
              wait=clock.wait, start_delay=0.0).run(until_beat=32)
    sent = [ms for ms, m in port.sent if m.type == "note_on"]
    due = sorted(n.start * 500 for n in made if n.start < 32)
    assert any(float(a) - n.start > 0.125 for n, (a, _b) in zip(made, written_line(VALUES, 32)))
    assert len(sent) == len(due) and max(abs(s - d) for s, d in zip(sent, due)) < 1e-3


def test_the_feel_command_prints_the_swing_table_and_saves_a_table_the_melody_reads(
        tmp_path, capsys):
    from improv.cli import main

    from daemon_fakes import one_line_error

    swung_player(tmp_path / "wjazzd")
    out = tmp_path / "feel.json"
    assert main(["feel", "--wjazzd", str(tmp_path / "wjazzd"), "--save", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "110-150" in printed and " 1.50 " in printed and "beatdur" in printed
    table = timefeel.load(out)
    assert table.onset(0, 120, np.random.default_rng(0), level=0.5) == pytest.approx(0.04, abs=1e-3)
    assert json.loads(out.read_text())["made_by"] == "improv feel --wjazzd wjazzd --save feel.json"
    one_line_error(capsys, ["feel", "--wjazzd", str(tmp_path / "wjazzd"), "--save",
                            str(tmp_path / "no" / "feel.json")], "--save")
    one_line_error(capsys, ["feel", "--wjazzd", str(tmp_path / "none")], "not at")


def test_each_solo_keeps_its_own_style_and_the_notes_spread_around_it():
    from improv.learning.feel.feelstyles import styles

    rng = np.random.default_rng(0)
    legato = [list(rng.uniform(0.6, 1.0, 300)) for _ in range(3)]
    detached = [list(rng.uniform(0.0, 0.4, 300)) for _ in range(3)]
    onsets = [list(rng.uniform(0, 1, 300)) for _ in range(6)]
    found = styles(onsets, legato + detached + [[0.5] * 10], min_notes=100)
    means = [length for _onset, length, _off in found["solos"]]
    assert len(means) == 6  # the short solo has no measurable style
    assert all(m > 0.5 for m in means[:3]) and all(m < -0.5 for m in means[3:])
    assert abs(found["solos"][0][0]) < 0.2  # onsets drawn alike: no style
    assert found["within"]["length"]["sd"] < 0.7 < found["within"]["onset"]["sd"]


def test_a_part_plays_around_one_players_style():
    table = tiny_table(styles=((0.0, 2.0, 0.0), (0.0, 2.0, 0.0)),
                       within=((1.0, 0.0), (0.1, 0.0)))
    levels = levels_mod.Levels(table, np.random.default_rng(3))
    draws = [levels.length() for _ in range(200)]
    assert levels.style == (0.0, 2.0, 0.0)
    assert min(draws) > 0.95  # around the normal score 2 (level 0.977), spread 0.1
    onsets = [levels.onset() for _ in range(2000)]
    assert 0.45 < np.mean(onsets) < 0.55 and np.std(onsets) > 0.25
    pooled = levels_mod.Levels(tiny_table(), np.random.default_rng(3))  # no styles
    assert pooled.style == (0.0, 0.0, 0.0)
    assert 0.4 < np.mean([pooled.length() for _ in range(500)]) < 0.6


def test_a_style_swings_apart_and_is_the_soloists_the_part_plays_as():
    """Players differ in how hard they swing apart from how far they lay back: a
    style's onsets off the beat have a score of their own (learned from the solo's
    off-beat notes alone), and a part drawn as a Weimar soloist plays that solo's."""
    from improv.learning.feel.feelstyles import styles

    rng = np.random.default_rng(0)
    onsets = [list(rng.uniform(0, 1, 300)) for _ in range(2)]
    beat = [[k % 2 == 0 for k in range(300)]] * 2
    onsets[1] = [x if k % 2 == 0 else 0.5 + x / 2 for k, x in enumerate(onsets[1])]
    found = styles(onsets, [[0.5] * 300] * 2, min_notes=100, on_beat=beat,
                   names=["A_Straight_Solo", "B_Swinging_Solo"])
    (on_a, _, off_a), (on_b, _, off_b) = found["solos"]
    assert abs(on_a - on_b) < 0.3 and off_b > off_a + 0.5
    assert found["names"] == ["A_Straight_Solo", "B_Swinging_Solo"]
    table = tiny_table(styles=((0.0, 0.0, -2.0), (0.0, 0.0, 2.0)), within=((0.1, 0.0), (1.0, 0.0)),
                       style_names=("A_Straight_Solo", "B_Swinging_Solo"))
    for seed in range(5):  # whatever the seed, the soloist's own style
        levels = levels_mod.Levels(table, np.random.default_rng(seed), "B_Swinging_Solo")
        assert levels.style == (0.0, 0.0, 2.0)
        assert levels.onset(on_beat=False) > 0.9 and 0.3 < levels.onset() < 0.7
    drawn = {levels_mod.Levels(table, np.random.default_rng(seed), "Nobody").style
             for seed in range(20)}  # a soloist the table has no style for: one drawn
    assert len(drawn) == 2
    old = timefeel.TimeFeel.from_dict({**json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE)
                                                    .read_text()), "style": {
        "solos": [[0.1, 0.2]], "within": {"onset": {"sd": 1.0, "serial": 0.0},
                                          "length": {"sd": 1.0, "serial": 0.0}}}})
    assert old.styles == ((0.1, 0.2, 0.1),) and old.style_names == ()  # one onset style


def test_a_push_carries_over_close_notes_and_not_over_a_rest_of_a_beat():
    """The players' onsets correlate by the written gap between them (0.3-0.46 up to
    half a beat, less to a beat, none past it): learned by gap, and drawn so."""
    from improv.learning.feel.feelstyles import GAP_EDGES, _by_gap

    rng = np.random.default_rng(3)
    noise = rng.standard_normal(4001)
    scores = noise.copy()  # half a beat after a note: 0.8 of its push; two beats: none
    for k in range(1, len(scores), 2):
        scores[k] = 0.8 * scores[k - 1] + 0.6 * noise[k]
    gaps = np.where(np.arange(4000) % 2 == 0, 0.5, 2.0)  # to the next: close, then far
    rhos = _by_gap([scores], [gaps])
    eighth, far = (int(np.searchsorted(GAP_EDGES, g, side="left")) for g in (0.5, 2.0))
    assert rhos[eighth] == pytest.approx(0.8, abs=0.05) and abs(rhos[far]) < 0.06
    assert all(r == 0.0 for k, r in enumerate(rhos) if k not in (eighth, far))  # no pairs
    table = timefeel.shipped()
    edges, across, inside = table.by_gap
    assert across[eighth] > 0.3 > across[far]
    pairs = {0.25: [], 2.0: []}
    for gap in pairs:
        levels = levels_mod.Levels(table, np.random.default_rng(5))
        scores = [NormalDist().inv_cdf(levels.onset(gap, in_beat=gap < 1))
                  for _ in range(3000)]
        pairs[gap] = np.corrcoef(scores[:-1], scores[1:])[0, 1]
    assert pairs[0.25] > 0.25 > pairs[2.0]
    again = levels_mod.Levels(table, np.random.default_rng(5))
    first = again.onset(0.25)
    second = again.onset(0.25)
    redrawn = again.onset(0.25, again=True)  # from the same onset as the second
    assert first != second != redrawn


def test_two_onsets_inside_a_beat_move_together_more_than_two_across_a_beat_line():
    """An eighth-note pair inside a beat moves as one more than the off-beat eighth and
    the beat after it (the Weimar solos: 0.46 against 0.32 at half a beat): learned
    apart, a table without the split read as one serial for both, and the performer
    draws the pair inside the beat with its own."""
    from improv.learning.feel.feelstyles import styles

    rng = np.random.default_rng(4)
    levels, gaps, inside = [], [], []
    for _ in range(20):  # solos of eighth notes: on the beat, off it, on the next...
        noise = rng.standard_normal(400)
        z = noise.copy()
        for k in range(1, len(z)):
            rho = 0.8 if k % 2 else 0.0  # the off-beat follows its beat's onset
            z[k] = rho * z[k - 1] + np.sqrt(1 - rho * rho) * noise[k]
        levels.append([NormalDist().cdf(x) for x in z])
        gaps.append([0.5] * 399)
        inside.append([k % 2 == 0 for k in range(399)])  # pair k: onsets k and k + 1
    learned = styles(levels, levels, onset_gaps=gaps, in_beat=inside,
                     on_beat=[[k % 2 == 0 for k in range(400)]] * 20)
    by_gap = learned["within"]["onset"]["serial_by_gap"]
    eighth = int(np.searchsorted(by_gap["edges"], 0.5, side="left"))
    assert by_gap["serial_in_beat"][eighth] == pytest.approx(0.8, abs=0.05)
    assert abs(by_gap["serial"][eighth]) < 0.06
    shipped = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    old = json.loads(json.dumps(shipped))
    del old["style"]["within"]["onset"]["serial_by_gap"]["serial_in_beat"]
    read = timefeel.TimeFeel.from_dict(old).by_gap
    assert read[1] == read[2]  # made before the split: one serial for both
    table = dataclasses.replace(timefeel.TimeFeel.from_dict(shipped),
                                by_gap=((1.0,), (0.0, 0.0), (0.9, 0.0)),  # inside: 0.9
                                by_run=(),  # the serials by gap alone
                                steps=())  # each onset drawn on its own
    deviations = []
    perf = performer.Performer(table, np.random.default_rng(6))
    for k in range(600):  # eighths at 160 BPM: drawn with their own onsets
        start = Fraction(k, 2)
        on, _ = perf.perform(start, start + Fraction(1, 2), 160.0, 1.0, False,
                             next_span=Fraction(1, 2))
        deviations.append(on - float(start))
    d = np.array(deviations[1:-1])
    in_beat = np.corrcoef(d[1::2][:-1], d[2::2][:len(d[1::2]) - 1])  # on the beat -> off it
    across = np.corrcoef(d[2::2][:-1], d[3::2][:len(d[2::2]) - 1])  # off the beat -> the next
    assert in_beat[0, 1] > across[0, 1] + 0.3


def test_an_onset_foreseen_on_the_beat_knows_the_grain_of_the_note_drawn_after_it():
    """A note lets go where it foresees the next onset, so that onset is drawn before
    its own note is played; the note drawn to follow says how its beat moves. Players
    sit behind the beat in an eighth-note line and on it in a run of sixteenths: here
    eighths lie a tenth of a beat late and sixteenths on the grid, and a run of
    sixteenths keeps every beat on the dot (drawn as eighths, every beat lay late)."""
    levels = tuple(learner.levels())
    late, on = tuple([0.1] * len(levels)), tuple([0.0] * len(levels))
    onsets = tuple(tuple(by_grain(late, None, on) for _ in range(12)) for _ in range(3))
    table = tiny_table(onsets=onsets)
    notes = band(LEARNED, values=["C,0.250"], table=table).advance(32)
    on_beats = [n.start for n in notes if abs(n.start - round(n.start)) < 0.2][1:]
    assert len(on_beats) > 20 and all(s == round(s) for s in on_beats)
    eighths = band(LEARNED, values=["C,0.500"], table=table).advance(32)
    assert all(n.start == pytest.approx(round(n.start) + 0.1)
               for n in eighths[1:] if abs(n.start - round(n.start)) < 0.2)


def test_a_rest_start_is_no_onset_to_read_the_beat_by():
    """A sixteenth on the off-beat with a sixteenth rest after it: the players' table
    read that beat from its onsets alone (an eighth-note beat, where they sit late), so
    the note is drawn as one; a sixteenth after it makes it a sixteenth-note beat."""
    levels = tuple(learner.levels())
    late, on = tuple([0.1] * len(levels)), tuple([0.0] * len(levels))
    onsets = tuple(tuple(by_grain(late, None, on) for _ in range(12)) for _ in range(3))
    table = tiny_table(onsets=onsets)
    for rest_follows, expected in ((True, 0.6), (False, 0.5)):
        perf = performer.Performer(table, np.random.default_rng(1))
        on_, _ = perf.perform(Fraction(1, 2), Fraction(3, 4), 160.0, 1.0, rest_follows,
                              next_span=Fraction(1, 4))
        assert on_ == pytest.approx(expected)
    perf = performer.Performer(table, np.random.default_rng(1))  # a rest to 3/4, then a note
    on_, _ = perf.perform(Fraction(0), Fraction(1, 4), 160.0, 1.0, True,
                          next_span=Fraction(1, 2))
    assert on_ == pytest.approx(0.0)  # onsets at 0 and 3/4: a sixteenth-note beat


def test_a_beat_a_sixteenth_leads_into_is_drawn_from_its_own_cell():
    """Players land late on a beat a sixteenth pickup leads into: the melody draws that
    onset (foreseen by the sixteenth, which lets go there) from the lead-in's cell."""
    levels = tuple(learner.levels())
    late, on = tuple([0.1] * len(levels)), tuple([0.0] * len(levels))
    onsets = tuple(tuple(((late, on, on), (None,) * 3, (late, on, on)) for _ in range(12))
                   for _ in range(3))
    table = tiny_table(onsets=onsets)
    notes = band(LEARNED, values=["C,0.750", "C,0.250"], table=table).advance(32)
    beats = [n.start for n in notes[1:] if n.start == pytest.approx(round(n.start), abs=0.2)]
    assert len(beats) > 20 and all(b == pytest.approx(round(b) + 0.1) for b in beats)
    eighths = band(LEARNED, values=["C,0.500"], table=table).advance(32)
    assert all(n.start == round(n.start) for n in eighths[1:]
               if n.start == pytest.approx(round(n.start), abs=0.2))


def test_the_melody_plays_in_the_time_feel_of_the_soloist_its_source_plays_as():
    from types import SimpleNamespace

    from improv.band.comping import CompingPart
    from improv.band.ensemble import Ensemble
    from improv.band.melody import MelodyPart

    table = tiny_table(styles=((0.0, -2.0, 0.0), (0.0, 2.0, 0.0)),
                       within=((1.0, 0.0), (0.1, 0.0)),
                       style_names=("A_Detached_Solo", "B_Legato_Solo"))
    lengths = {}
    for solo in ("A_Detached_Solo", "B_Legato_Solo"):
        source = FakeSource(["C,0.500"])
        source.player = SimpleNamespace(solo=solo)
        melody = MelodyPart(source, np.random.default_rng([5, 1]), feel_table=table)
        notes = Ensemble([melody, CompingPart(Comping(enabled=False))],
                         Progression.parse(BLUES), feel=LEARNED).advance(32)
        lengths[solo] = np.mean([(b.start - a.start) and (a.end - a.start) / (b.start - a.start)
                                 for a, b in zip(notes, notes[1:])])
    assert lengths["A_Detached_Solo"] < 0.6 < 0.9 < lengths["B_Legato_Solo"]


# --- grace notes ---------------------------------------------------------------------------

def test_the_learner_finds_grace_notes_and_leaves_chords_and_runs_out():
    def timed(on, pitch, tempo=90.0):
        return timednotes.Timed(on, on + 0.05, pitch, tempo, 60 / tempo, None, None, 5, 1, int(on))

    notes = [timed(0.0, 60), timed(0.92, 63), timed(1.0, 64),  # a grace a semitone below
             timed(2.0, 65), timed(2.0, 69),  # a double stop: no grace
             timed(3.0, 67), timed(3.05, 69), timed(3.1, 71), timed(3.15, 72),  # a run
             timed(4.0, 70)]
    found = ornament_learner.graces(notes)
    # the notes with room: the one after the grace, and the one after the run (the
    # double stop's and the run's last have a note just before them)
    assert [(lead, interval) for _, lead, interval in found] == [(pytest.approx(0.08), 1),
                                                                  (None, 0)]
    table = ornament_learner.grace_table([notes] * 60)  # 60 graces: enough for the band's own leads
    band = learner.band_of(90.0)
    assert table["rate"][band] == pytest.approx(1 / 2) and table["graces"][band] == 60
    assert table["lead"][band][20] == pytest.approx(0.08)
    assert table["share"][table["interval"].index(1)] == 1.0 and 0 not in table["interval"]
    assert table["lead"][band + 1] is None and table["rate"][band + 1] == 0.0


def grace_table(rate=1.0, lead=0.08):
    levels = len(learner.levels())
    return ornaments.Graces(0.25, (rate,) * 3, (tuple([lead] * levels),) * 3, (1, -2),
                            (0.75, 0.25))


def test_a_grace_comes_a_lead_before_its_note_where_there_is_room():
    levels = learner.levels()
    rng = np.random.default_rng(3)
    draws = [ornaments.grace_before(grace_table(), 0, levels, 10.0, 1.0, 9.5, 64, 52, 84, 1.0,
                                    rng) for _ in range(400)]
    assert all(start == pytest.approx(9.92) for start, _ in draws)
    pitches = [pitch for _, pitch in draws]
    assert set(pitches) == {63, 66} and 0.65 < pitches.count(63) / 400 < 0.85
    assert ornaments.grace_before(grace_table(), 0, levels, 10.0, 1.0, 9.95, 64, 52, 84, 1.0,
                                  rng)[0] == 9.95  # after the note before lets go
    assert ornaments.grace_before(grace_table(), 0, levels, 10.0, 1.0, 9.99, 64, 52, 84, 1.0,
                                  rng) is None  # no time left for one
    assert ornaments.grace_before(grace_table(), 0, levels, 10.0, 0.2, 9.0, 64, 52, 84, 1.0,
                                  rng) is None  # too close to the onset before
    assert ornaments.grace_before(grace_table(), 0, levels, 10.0, 1.0, 9.0, 64, 52, 84, 0.0,
                                  rng) is None  # amount 0: as written
    low = [ornaments.grace_before(grace_table(), 0, levels, 10.0, 1.0, 9.0, 52, 52, 84, 1.0,
                                  rng)[1] for _ in range(50)]
    assert set(low) <= {53, 54}  # at the bottom of the register: from above
    assert all(ornaments.grace_before(grace_table(), 0, levels, 10.0, 1.0, 9.0, 60, 60, 60,
                                      1.0, rng) is None for _ in range(20))  # no room either way


def test_the_melody_plays_graces_softer_sounding_as_the_players_quick_notes_do():
    table = dataclasses.replace(timefeel.shipped(), graces=grace_table())
    assert table.quick is not None
    slow = dataclasses.replace(LEARNED, tempo=90.0)
    played = band(slow, table=table).advance(64)
    graces = [(g, n) for g, n in zip(played, played[1:]) if g.value is None]
    assert len(graces) > 10
    mains = [n for n in played if n.value is not None]
    written = {id(n): float(at) for n, (at, _) in zip(mains, written_line(VALUES, 80))}
    for grace, note in graces:  # never before the part reads ahead (EARLIEST)
        assert grace.start >= written[id(note)] - timefeel.EARLIEST - 1e-9
        share = (grace.end - grace.start) / (note.start - grace.start)
        assert table.quick[0] - 1e-9 <= share <= 1.0 + 1e-9 and note.value is not None
        assert note.pitch - grace.pitch in (1, -2, -1, 2) and grace.velocity < note.velocity
        assert note.start - grace.start <= 0.08 + 1e-9
    shares = [(g.end - g.start) / (n.start - g.start) for g, n in graces]
    assert min(shares) < 0.9 < max(shares)  # drawn, not one fixed share
    assert all(a.end <= b.start + 1e-12 for a, b in zip(played, played[1:]))
    legato = band(slow, table=dataclasses.replace(table, quick=None)).advance(64)
    tied = [(g, n) for g, n in zip(legato, legato[1:]) if g.value is None]
    assert tied and all(g.end == n.start for g, n in tied)  # without the table: into its note
    again = band(slow, table=table).advance(64)
    assert [(n.start, n.pitch) for n in again] == [(n.start, n.pitch) for n in played]
    none = dataclasses.replace(table, graces=None)
    assert all(n.value is not None for n in band(slow, table=none).advance(64))


def test_the_shipped_table_plays_graces_at_a_ballad_tempo_and_hardly_at_a_fast_one():
    table = timefeel.shipped()
    assert table.graces is not None
    assert table.graces.rate[table.band(90.0)] > 0.03 > 0.002 > table.graces.rate[table.band(300.0)]
    good = {"rate": [0.1] * 7, "lead": [[0.05] * 41] * 7, "room": 0.25, "interval": [1],
            "share": [1.0]}
    assert ornaments.Graces.from_dict(good, 7, 41) is not None
    assert ornaments.Graces.from_dict({**good, "lead": [None] * 7}, 7, 41) is None  # none seen
    for bad in ({"lead": [[0.5] * 41] * 7}, {"lead": [list(np.linspace(0.1, 0.01, 41))] * 7},
                {"interval": [200]}, {"interval": [0]}, {"rate": [1.5] * 7}, {"share": [0.5]},
                {"interval": [1.5]}, {"share": [True]}, {"room": "x"}, {"rate": "0.1"},
                {"lead": [[float("nan")] * 41] * 7}, {"rate": [float("nan")] * 7}):
        with pytest.raises(ValueError, match="grace"):
            ornaments.Graces.from_dict({**good, **bad}, 7, 41)


def test_a_broken_grace_table_is_one_line_naming_the_fix(tmp_path):
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    for broken in ({"interval": [1e400] * len(data["grace"]["interval"])},
                   {"lead": "none"}, {"rate": [2.0] * 7}):
        path = tmp_path / "feel.json"
        path.write_text(json.dumps({**data, "grace": {**data["grace"], **broken}}))
        with pytest.raises(UsageError, match="cannot be read.*timing = .grid."):
            timefeel.load(path)


def test_a_step_lands_at_its_level_among_the_onsets_of_what_follows_it():
    """A step is learned whatever follows the onset it reaches: it finds its level
    among the onsets of its lead-in, and lands at that level of its lead-out's cell (the
    players put a sixteenth the beat's note follows at once earlier than one a longer
    note follows)."""
    table = timefeel.shipped()
    assert table.leads == timednotes.LEADS and table.lead_pools
    band = table.band(250.0)
    pool = table.lead_pools[band][9][2][timednotes.lead_in(0.75)]
    middle = float(np.interp(0.5, table.levels, pool))
    soon, later = (table.landing(9, 250.0, middle, grain=2, gap=0.75, after=a)
                   for a in (0.25, 1.5))
    assert soon[1] == later[1] == pytest.approx(0.5, abs=0.01)  # one level, two places
    for (deviation, level), after in ((soon, 0.25), (later, 1.5)):
        cell = table.onsets[band][9][2][timednotes.lead(0.75, after)]
        assert deviation == pytest.approx(float(np.interp(level, table.levels, cell)))
    assert soon[0] < later[0] - 0.02
    old = tiny_table()  # a table of lead-ins alone: a step lands where it steps to
    assert not old.lead_pools and old.landing(0, 120.0, 0.05)[0] == pytest.approx(0.05)


def test_an_onset_after_a_rest_leads_in_as_one(tmp_path):
    """Players come in after a rest otherwise than after a note: the line's rests (a
    quarter beat or more; a short one, under SHORT_REST, apart from a longer one) make a
    lead-in of their own, learned and played."""
    notes = []
    for k in range(0, 1200, 2):  # an eighth, a short one (a sixteenth and its rest), ...
        notes += [(k, 2, 1, 0.0, 0.2, BEAT), (k, 2, 2, 0.0, 0.05, BEAT),
                  (k + 1, 2, 1, 0.05, 0.2, BEAT), (k + 1, 2, 2, 0.0, 0.2, BEAT)]  # ... late
    solo = timednotes.solo_notes(*timednotes.load_pair(write_solo(tmp_path, notes, 1201)))
    rests, spans, afters = timednotes.line_leads([n.on for n in solo[:5]], solo[:5])
    # the first (none before it: inf), and the one after the sixth's rest (a short one,
    # here from the places as played)
    assert rests[0] == math.inf and timednotes.is_short_rest(rests[2])
    assert rests[1] is None and rests[3:] == [None, None]
    assert spans[0] == pytest.approx(0.5) and spans[1] < 0.3  # written as an eighth, a sixth
    assert timednotes.is_short_rest(afters[1]) and afters[0] is None and afters[2] is None
    data = learner.learn([solo])
    band = learner.band_of(120.0)
    cells = data["onset"]["quantiles"][band][0][0]
    lead = timednotes.lead
    assert cells[lead(0.5, 0.5, rest=1 / 3)] == pytest.approx([0.1] * learner.LEVELS, abs=1e-3)
    assert timednotes.lead_in(None, 1 / 3) != timednotes.lead_in(None, math.inf)
    assert cells[lead(0.5, 0.5)] == pytest.approx([0.0] * learner.LEVELS, abs=1e-3)
    table = dataclasses.replace(timefeel.TimeFeel.from_dict(data), styles=())
    perf = performer.Performer(table, np.random.default_rng(0))
    perf.perform(Fraction(0), Fraction(1, 2), 120.0, 1.0, True, next_span=Fraction(1, 2))
    on, _ = perf.perform(Fraction(1), Fraction(3, 2), 120.0, 1.0, False,
                         next_span=Fraction(1, 2))
    assert on == pytest.approx(1.1, abs=1e-3)  # drawn as an onset after a rest


def test_a_note_before_a_short_rest_comes_later_and_sounds_up_to_the_next(tmp_path):
    """Players play a note a short rest follows later than one another note follows,
    hold it into the rest, and come in after the rest early: the lead-out learns the
    first apart, the performer moves an onset it foresaw before it knew of the rest,
    and lets such a note sound up to where the next one may come (not a fixed
    REST_OVERRUN past its written end)."""
    notes = []
    for k in range(0, 1200, 4):  # sixteenths, the third late and held on into its rest
        notes += [(k, 4, 1, 0.0, 0.1, BEAT), (k, 4, 2, 0.0, 0.1, BEAT),
                  (k, 4, 3, 0.05, 0.14, BEAT),
                  (k + 1, 2, 1, -0.025, 0.2, BEAT), (k + 1, 2, 2, 0.0, 0.2, BEAT),  # early
                  *((k + 2, 4, t, 0.0, 0.1, BEAT) for t in (1, 2, 3, 4)),  # a run on time
                  (k + 3, 2, 1, 0.0, 0.2, BEAT), (k + 3, 2, 2, 0.0, 0.2, BEAT)]
    solo = timednotes.solo_notes(*timednotes.load_pair(write_solo(tmp_path, notes, 1201)))
    places = [timednotes.written_place(n) for n in solo[:5]]
    rests, spans, afters = timednotes.line_leads(places, solo[:5])
    assert spans[2] == pytest.approx(0.25) and afters[2] == pytest.approx(0.25)
    assert rests[3] == pytest.approx(0.25) and timednotes.is_short_rest(rests[3])
    data = learner.learn([solo])
    band, lead = learner.band_of(120.0), timednotes.lead
    sixteenths = data["onset"]["quantiles"][band][6][2]  # half a beat in, a finer beat
    assert sixteenths[lead(0.25, 0.25, rest_out=0.25)] == pytest.approx(
        [0.1] * learner.LEVELS, abs=1e-3)
    assert sixteenths[lead(0.25, 0.25)] == pytest.approx([0.0] * learner.LEVELS, abs=1e-3)
    table = dataclasses.replace(timefeel.TimeFeel.from_dict(data), styles=())
    assert table.leads == timednotes.LEADS
    assert table.before_rest(6, 120.0, 0.0, 0.25, grain=2, gap=0.25, after=0.25) == \
        pytest.approx(0.1, abs=1e-3)
    assert table.before_rest(6, 120.0, 0.0, 1.0, grain=2, gap=0.25, after=0.25) == 0.0  # long
    for seed in range(5):
        perf = performer.Performer(table, np.random.default_rng(seed))
        for k in range(2):
            perf.perform(Fraction(k, 4), Fraction(k + 1, 4), 120.0, 1.0, False,
                         next_span=Fraction(1, 4))
        on, off = perf.perform(Fraction(1, 2), Fraction(3, 4), 120.0, 1.0, True,
                               next_span=Fraction(1, 4))
        after, _ = perf.perform(Fraction(1), Fraction(3, 2), 120.0, 1.0, False,
                                next_span=Fraction(1, 2))
        assert on == pytest.approx(0.6, abs=1e-3)  # foreseen on time, moved late
        assert after == pytest.approx(0.95, abs=1e-3)  # in early after the short rest
        # held 0.28 beat into its rest, as played: past where the fixed room (1/8 less
        # what the next note may be pushed ahead) stopped it, short of the next note
        assert off == pytest.approx(0.88, abs=1e-3)
        old_room = min(performer.REST_OVERRUN, 0.25 - timefeel.EARLIEST - performer.MIN_STEP)
        assert 0.75 + old_room < off < after - performer.MIN_STEP


def test_a_table_made_before_the_short_rests_still_plays():
    """A table of one rest lead-in and no short-rest lead-out (PLAIN_LEADS) loads, draws a
    short rest's onsets from its one rest class, and plays through short rests."""
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    ins, outs = timednotes.LEAD_INS, timednotes.LEAD_OUTS
    keep = [i * len(outs) + o for i in range(len(ins)) for o in range(len(outs))
            if ins[i] != "short rest" and outs[o] != "short rest"]
    for part in ("quantiles", "notes"):
        data["onset"][part] = [[[[cells[j] for j in keep] for cells in grains]
                                for grains in row] for row in data["onset"][part]]
    new = timefeel.shipped()
    old = timefeel.TimeFeel.from_dict(data)
    assert old.leads == timednotes.PLAIN_LEADS and old.lead_outs == len(outs) - 1
    assert old.lead_pools
    rng = np.random.default_rng(0)
    long_rest = new.onset(0, 200.0, rng, level=0.3, grain=2, after=0.25, rest=math.inf)
    assert old.onset(0, 200.0, rng, level=0.3, grain=2, after=0.25, rest=0.25) == long_rest
    assert old.onset(0, 200.0, rng, level=0.3, grain=2, after=0.25, rest_out=0.25) == \
        new.onset(0, 200.0, rng, level=0.3, grain=2, after=0.25)  # no short-rest lead-out
    assert old.before_rest(6, 200.0, 0.01, 0.25, grain=2, gap=0.25, after=0.25) == 0.01
    perf = performer.Performer(old, np.random.default_rng(1))
    ends = []
    room = min(performer.REST_OVERRUN, max(0.25 - timefeel.EARLIEST - performer.MIN_STEP, 0.0))
    for k in range(8):  # a sixteenth and its rest, then an eighth
        start = Fraction(k)
        for a, b, rest, span in ((start, start + Fraction(1, 4), True, Fraction(1, 4)),
                                 (start + Fraction(1, 2), start + 1, False, Fraction(1, 4))):
            on, off = perf.perform(a, b, 200.0, 1.0, rest, next_span=span)
            assert not ends or on >= ends[-1]
            if rest:  # no short rest in such a table: the room into it as before
                assert off <= float(b) + room + 1e-9
            ends.append(off)


def test_a_table_whose_note_counts_do_not_match_its_cells_is_refused():
    """The counts weigh each lead-out in the pools a step lands in: a count that is not a
    finite number of notes, or one missing, would put the onsets anywhere."""
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    assert timefeel.TimeFeel.from_dict(data).lead_pools
    for bad in (float("nan"), -3, "12", None):
        broken = json.loads(json.dumps(data))
        broken["onset"]["notes"][2][0][0][5] = bad
        with pytest.raises(ValueError, match="note counts"):
            timefeel.TimeFeel.from_dict(broken)
    broken = json.loads(json.dumps(data))
    broken["onset"]["notes"][2][0][0] = broken["onset"]["notes"][2][0][0][:3]
    with pytest.raises(ValueError, match="note counts"):
        timefeel.TimeFeel.from_dict(broken)


# --- lengths by how far the time to the next onset is stretched ---------------------------

def test_a_length_is_learned_by_how_far_the_time_to_the_next_onset_is_stretched(tmp_path):
    """The swung eighths: the one on the beat sounds 0.4 of a beat over 0.56 (stretched
    1.12), the one off it 0.3 over 0.44 (0.88): each in its own cell, a stretch with no
    notes of its own holds every stretch of its span."""
    solo = timednotes.solo_notes(*timednotes.load_pair(swung_player(tmp_path)))
    table = learner.learn([solo])
    assert table["length"]["stretch_edges"] == list(learner.STRETCH_EDGES)
    band, eighth = learner.band_of(120.0), learner.span_bin(0.5)
    counts = table["length"]["notes"][band][eighth]
    assert counts[learner.stretch_bin(1.12)] == counts[learner.stretch_bin(0.88)] > 300
    assert sum(counts) == 2 * counts[learner.stretch_bin(1.12)]
    cells = table["length"]["quantiles"][band][eighth]
    assert np.median(cells[learner.stretch_bin(1.12)]) == pytest.approx(0.4 / 0.56, abs=0.01)
    assert np.median(cells[learner.stretch_bin(0.88)]) == pytest.approx(0.3 / 0.44, abs=0.01)
    both = cells[learner.stretch_bin(1.0)]  # none of its own: the two together
    assert min(both) == pytest.approx(0.3 / 0.44, abs=0.01)
    assert max(both) == pytest.approx(0.4 / 0.56, abs=0.01)
    read = timefeel.TimeFeel.from_dict(table)
    assert read.stretch_edges == learner.STRETCH_EDGES
    rng = np.random.default_rng(0)
    assert read.length(0.5, 120.0, False, rng, level=0.5, stretch=1.12) == \
        pytest.approx(0.4 / 0.56, abs=0.01)


def stretched_table(**over) -> timefeel.TimeFeel:
    """Lengths of a note another follows: 0.9 of the time to the next onset where it is
    squeezed (under 0.95 of the span), 0.8 as written, 0.6 where stretched (over 1.05)."""
    levels = tuple(learner.levels())

    def flat(x):
        return tuple([x] * len(levels))

    lengths = tuple(tuple((flat(0.9), flat(0.8), flat(0.6)) for _ in range(6))
                    for _ in range(3))
    return tiny_table(lengths=lengths, stretch_edges=(0.95, 1.05), **over)


def test_a_note_sounds_the_share_of_a_stretched_time_the_players_sound():
    table, rng = stretched_table(), np.random.default_rng(0)
    assert [table.length(0.5, 120, False, rng, level=0.5, stretch=s)
            for s in (0.9, 1.0, 1.2)] == pytest.approx([0.9, 0.8, 0.6])
    assert table.length(0.5, 120, False, rng, level=0.5) == pytest.approx(0.8)  # not said
    assert table.length(0.5, 120, True, rng, level=0.0, stretch=1.2) == pytest.approx(0.8)
    assert table.length(0.5, 120, False, rng, amount=0.0, stretch=1.2) == 1.0
    # played: the off-beat onset drawn late stretches the eighth on the beat before it
    late = tuple([0.2] * len(table.levels))
    onsets = tuple(tuple(by_grain(tuple([0.0] * len(table.levels)) if k == 0 else
                                  late if k == 6 else None, None, None) for k in range(12))
                   for _ in range(3))
    player = performer.Performer(stretched_table(onsets=onsets), np.random.default_rng(1))
    on, off = player.perform(Fraction(0), Fraction(1, 2), 120.0, 1.0, False,
                             next_span=Fraction(1, 2))
    assert on == 0.0 and off == pytest.approx(0.6 * 0.7)  # 0.7 beat to the next: 1.4


def test_a_table_made_before_the_stretches_still_plays():
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    old = json.loads(json.dumps(data))
    del old["length"]["stretch_edges"]  # one cell for every stretch, as before
    old["length"]["quantiles"] = [[span[2] for span in row] for row in
                                  data["length"]["quantiles"]]
    table, rng = timefeel.TimeFeel.from_dict(old), np.random.default_rng(0)
    assert table.stretch_edges == ()
    assert table.length(0.5, 200, False, rng, level=0.5, stretch=1.3) == \
        table.length(0.5, 200, False, rng, level=0.5, stretch=0.8)
    new = timefeel.TimeFeel.from_dict(data)
    assert new.length(0.5, 200, False, rng, level=0.5, stretch=1.3) < \
        new.length(0.5, 200, False, rng, level=0.5, stretch=0.8)
    for edges in ([1.1, 0.9, 1.2, 1.3], [0.0, 0.9, 1.1, 1.2]):  # not rising; not above 0
        bad = json.loads(json.dumps(data))
        bad["length"]["stretch_edges"] = edges
        with pytest.raises(ValueError):
            timefeel.TimeFeel.from_dict(bad)
    short = json.loads(json.dumps(data))
    short["length"]["quantiles"][0][0] = short["length"]["quantiles"][0][0][:4]
    with pytest.raises(ValueError):
        timefeel.TimeFeel.from_dict(short)


def test_a_table_whose_lengths_are_no_object_is_one_line(tmp_path):
    data = json.loads((timefeel.feel_dir() / timefeel.FEEL_FILE).read_text())
    for bad in ([], "long", None):
        data["length"] = bad
        path = tmp_path / "feel.json"
        path.write_text(json.dumps(data))
        with pytest.raises(UsageError) as err:
            timefeel.load(path)
        assert "\n" not in str(err.value) and "cannot be read" in str(err.value)
