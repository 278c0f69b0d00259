"""Motifs and breaths: the memory of played phrases, recalls, licks, the soloist's forced
values and the breath between phrases (improv.sampling.recall, improv.sampling.phrasing)."""

from __future__ import annotations

from fractions import Fraction

import mido
import numpy as np
import pytest

from improv.analysis.streamstats import repeated_run
from improv.cli import main
from improv.language import context
from improv.language.grammar import PitchLimits, twelfths
from improv.learning.motifs import LineNote, licks, recalls
from improv.sampling import recall
from improv.sampling.phrasing import BREATH, BREATH_BY_BAND, BREATH_LEVELS, draw_breath
from improv.sampling.recall import Motifs
from improv.sampling.soloist import Soloist

from randmodel import write_random_model

LIMITS = PitchLimits(40, 90)


class Always:
    """An rng whose draws always recall (random() 0) and pick the first place."""

    def random(self):
        return 0.0

    def integers(self, n):
        return 0


def remember(motifs, phrase, root=0):
    for twelfths_, pitch in phrase:
        motifs.heard(twelfths_, pitch, root)
    motifs.close()


EIGHTHS = [(6, 60), (6, 62), (6, 64), (6, 65), (6, 67), (6, 69), (6, 71), (6, 72)]
SIXTEENTHS = [(3, p) for _, p in EIGHTHS]


def test_a_recall_repeats_an_earlier_phrase_at_pitch_keeping_its_rhythm():
    motifs = Motifs(Always(), amount=1.0)
    remember(motifs, EIGHTHS)
    motif = motifs.recall(0, 0, LIMITS)
    assert motif.kind == "repeat"
    assert [(n.twelfths, n.pitch) for n in motif.notes] == EIGHTHS[:recall.HEAD]


def test_a_sequence_moves_the_run_by_the_chords_root_motion(monkeypatch):
    monkeypatch.setattr(recall, "REPEAT_SHARE", 0.0)
    motifs = Motifs(Always(), amount=1.0)
    remember(motifs, EIGHTHS, root=0)  # over C
    motif = motifs.recall(0, 2, LIMITS)  # now over D: up a tone
    assert motif.kind == "sequence"
    assert [n.pitch for n in motif.notes] == [p + 2 for _, p in EIGHTHS[:len(motif.notes)]]


def test_a_recall_keeps_to_the_register_and_the_rhythm_grid():
    motifs = Motifs(Always(), amount=1.0)
    remember(motifs, EIGHTHS)
    assert motifs.recall(0, 0, PitchLimits(62, 90)) is None  # 60 is below the register
    assert motifs.recall(6, 0, LIMITS) is not None
    fast = Motifs(Always(), amount=1.0)
    remember(fast, SIXTEENTHS)
    # sixteenths from a triplet's place: off the grid (4 + 3 = 7 twelfths into the beat)
    assert fast.recall(4, 0, LIMITS) is None
    assert fast.recall(6, 0, LIMITS) is not None  # from the off-beat: on it


def test_rests_inside_a_phrase_stay_in_the_motif_and_trailing_ones_do_not():
    motifs = Motifs(Always(), amount=1.0)
    remember(motifs, [(6, 60), (6, None), (6, 62), (6, 64), (6, 65), (6, None)])
    assert [n.pitch for n in motifs.recall(0, 0, LIMITS).notes] == [60, None, 62, 64, 65]


def test_a_lick_is_what_followed_the_same_pitch_before():
    motifs = Motifs(Always(), amount=1.0)
    remember(motifs, EIGHTHS)
    assert motifs.lick_due()
    lick = motifs.lick(62, 0, LIMITS)
    assert lick.kind == "lick"
    assert [n.pitch for n in lick.notes] == [64, 65, 67, 69, 71]  # 6 notes with the 62
    assert motifs.lick(61, 0, LIMITS) is None  # no 61 before


def test_amount_zero_never_recalls_and_nothing_is_recalled_before_a_phrase_ended():
    motifs = Motifs(Always(), amount=0.0)
    remember(motifs, EIGHTHS)
    assert motifs.recall(0, 0, LIMITS) is None and not motifs.lick_due()
    fresh = Motifs(Always(), amount=1.0)
    fresh.heard(6, 60, 0)
    assert fresh.recall(0, 0, LIMITS) is None  # the open phrase is not yet remembered


def test_the_corpus_measure_finds_a_repeated_head_a_sequence_and_a_lick():
    def line(pitches, at, root=0):
        return [LineNote(Fraction(at) + Fraction(k, 2), Fraction(at) + Fraction(k + 1, 2), p,
                         root, Fraction(k, 2) % 4) for k, p in enumerate(pitches)]

    run = [60, 62, 64, 65, 67, 69]
    phrases = line(run, 0) + line(run, 8) + line([p + 5 for p in run], 16, root=5)
    found, breaths = recalls(phrases)
    assert [r.kind for r in found] == ["repeat", "sequence"]
    assert found[0].length == 6 and found[0].back == 1 and found[0].from_head
    assert breaths == [5.0, 5.0]
    inside = line([50, 51] + run + [48], 0) + line([52] + run + [47], 10)
    assert licks(inside)[0] == [6]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m")


def test_force_feeds_a_value_and_replace_last_swaps_the_sampled_note(model):
    soloist = Soloist.load(model, seed=1)
    note = next(v for v in soloist.values if not v.is_rest and v.lo is None)
    at = soloist._at
    played = soloist.force(note)
    assert played == note and soloist._at == at + twelfths(note.duration)
    assert soloist.values[soloist._pending] == note
    while True:  # a sampled note, then swapped before it is fed
        value = soloist.next_value()
        if not value.is_rest:
            break
    other = next(v for v in soloist.values if not v.is_rest and v != value)
    at = soloist._at
    assert soloist.replace_last(other) == other
    assert soloist._at == at - twelfths(value.duration) + twelfths(other.duration)
    rest = next(v for v in soloist.values if v.is_rest)
    with pytest.raises(ValueError):
        soloist.replace_last(rest)


def gaps(soloist, n=6000):
    out, run = [], 0
    for _ in range(n):
        value = soloist.next_value()
        if value.is_rest:
            run += twelfths(value.duration)
        else:
            if run >= 12:
                out.append(run / 12)
            run = 0
    return np.array(out)


def test_learned_breaths_follow_the_players_and_model_breaths_are_left_alone(model):
    learned = gaps(Soloist.load(model, seed=2))
    assert len(learned) > 50 and learned.min() >= 1.0
    assert abs(np.median(learned) - BREATH[2]) <= 0.5
    left = Soloist.load(model, seed=2, breaths="model")
    assert left._breaths is None


def test_breaths_are_drawn_in_twelfths_of_at_least_a_beat():
    rng = np.random.default_rng(0)
    draws = [draw_breath(rng) for _ in range(2000)]
    assert min(draws) >= 12
    assert abs(np.median(draws) / 12 - BREATH[2]) < 0.15


def test_breaths_are_drawn_from_the_players_of_the_tempo_band():
    """Players breathe more beats the faster the tune; a band out of range is the
    nearest, and no band (tempo not known) all of them pooled."""
    def median(band):
        rng = np.random.default_rng(0)
        return np.median([draw_breath(rng, band) for _ in range(2000)]) / 12

    assert abs(median(0) - BREATH_BY_BAND[0][2]) < 0.15  # a ballad: 1.5 beats
    assert abs(median(5) - BREATH_BY_BAND[5][2]) < 0.15  # 280 BPM and over: 2.25
    assert median(0) < median(2) < median(5)
    assert median(-1) == median(0) and median(9) == median(5)
    assert abs(median(None) - BREATH[2]) < 0.15
    rng = np.random.default_rng(1)
    assert min(draw_breath(rng, 0) for _ in range(2000)) >= 12


def test_the_breaths_are_measured_at_the_levels_they_are_drawn_at():
    from improv.learning.motifs import BREATH_QS

    assert BREATH_QS == tuple(round(100 * level) for level in BREATH_LEVELS)


def test_breaths_reach_the_players_long_pauses():
    """Past their p90 the players still pause: 1% of their breaths at 240-280 BPM are
    over 12.9 beats. The draws follow every quantile of the table, the tail too."""
    rng = np.random.default_rng(2)
    for band in (0, 4):
        draws = np.array([draw_breath(rng, band) for _ in range(20000)]) / 12
        table = BREATH_BY_BAND[band]
        for level, q in zip(BREATH_LEVELS[2:], table[2:]):
            assert np.quantile(draws, level) == pytest.approx(q, abs=0.2 + 0.05 * q)
        assert np.mean(draws > table[4]) == pytest.approx(0.10, abs=0.01)
        assert draws.max() <= table[-1] + (table[-1] - table[-2]) + 1 / 12


def test_the_soloist_breathes_at_the_tempo_it_plays(model, tmp_path):
    """The band is the one the model hears where it hears the tempo, else the tempo the
    settings start at; a ballad's gaps are shorter than a fast tune's."""
    slow = gaps(Soloist.load(model, seed=2, tempo=60.0))
    fast = gaps(Soloist.load(model, seed=2, tempo=300.0))
    assert len(slow) > 50 and len(fast) > 50
    assert np.median(slow) < np.median(fast) and np.percentile(slow, 90) < np.percentile(fast, 90)
    heard = write_random_model(tmp_path / "v3", seed=3, conditioned=True)
    by_ear = []
    for bpm in (60.0, 300.0):  # the settings say 120; the band plays it at this tempo
        soloist = Soloist.load(heard, seed=2, tempo=120.0)
        soloist.follow(lambda t, bpm=bpm: context.no_chart(t, bpm))
        by_ear.append(gaps(soloist))
    assert np.median(by_ear[0]) < np.median(by_ear[1])
    last = len(context.TEMPO_EDGES)  # the top band
    assert context.band_of(context.no_chart(0, 300.0), 60.0) == last  # as the model hears
    assert context.band_of(context.no_chart(0, 300.0)[:-1], 60.0) == 0  # else the settings'
    assert context.band_of((), None) is None  # neither: all tempos pooled


def render(model, tmp_path, motifs, seed="3", bars="64"):
    config = tmp_path / f"m{motifs}.toml"
    config.write_text(f"[melody]\nmotifs = {motifs}\n[feel]\ntiming = \"grid\"\n")
    out = tmp_path / f"m{motifs}-{seed}.mid"
    assert main(["play", "--model", str(model), "--out", str(out), "-q", "--seed", seed,
                 "--bars", bars, "--config", str(config), "--no-bass", "--no-drums",
                 "--no-comping"]) == 0
    return [m.note for m in mido.MidiFile(out).tracks[1] if m.type == "note_on" and m.velocity]


def test_motifs_make_the_solo_play_its_lines_again(model, tmp_path):
    """Over 64-bar renders of the random model, seeds 1-3: with motifs the longest
    pitch line played twice is longer than without."""
    longest = {0: [], 4: []}
    for seed in ("1", "2", "3"):
        for motifs in longest:
            longest[motifs].append(len(repeated_run(render(model, tmp_path, motifs, seed),
                                                    overlap=False)))
    assert min(longest[4]) >= 6
    assert sum(longest[4]) > sum(longest[0])


def test_motifs_zero_plays_what_a_part_without_a_memory_plays(model, tmp_path, monkeypatch):
    from improv.band import melody

    plain = render(model, tmp_path, 0, bars="16")
    monkeypatch.setattr(melody, "Motifs", None)  # never built with motifs 0
    assert render(model, tmp_path, 0, bars="16") == plain
