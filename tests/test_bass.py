"""The walking bass: its words, the Weimar bass check, and the part over charts (numpy
only, a tiny random bass model; no corpus)."""

import subprocess
import sys
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

from improv.band.bass import MODEL, Bass, BassPart, bass_part, guard, two_starts
from improv.band.chart import Progression, Timeline
from improv.performance.feel import Feel
from improv.band.part import Stage
from improv.errors import ModelError, UsageError
from improv.language import bassvocab
from improv.language.harmony import parse_chord
from improv.language.vocab import Vocabulary
from improv.learning import basslines, dataset
from improv.model import modelfile
from improv.model.numpy_engine import NumpyGenerator

from randmodel import random_weights

II_V_I = "Dm7 | G7 | Cmaj7 | Cmaj7"
WALTZ = "Bbmaj7 | G7 | Cm7 | F7 . Bb7"  # the last bar: two beats, then one
STRAIGHT = Feel(swing=0.0, accent=0, humanise=0)


def write_bass_model(out, n_a=8, seed=0, tx=16):
    """A bass model with random weights and every word of the vocabulary."""
    words = [bassvocab.token(i, s) for i in range(12)
             for s in [None, *range(-bassvocab.STEP, bassvocab.STEP + 1)]]
    vocab = Vocabulary.from_values(words, bassvocab.order_key)
    weights = random_weights(len(vocab), n_a, seed, n_features=bassvocab.N_FEATURES)
    return modelfile.save(out, weights, vocab, {"tx": tx, "part": bassvocab.PART,
                                                "random": True}, bassvocab.NAME)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return write_bass_model(tmp_path_factory.mktemp("bass") / "model")


def part(model_dir, seed=0, **settings):
    return bass_part(Bass(model=str(model_dir), **settings), np.random.default_rng(seed))


def stage(chart, metre=4, listener=None):
    """A stage over ``chart``: bars split by ``|``, chords sharing a bar equally, ``.``
    holding the chord before one share longer (as in a text chart)."""
    bars = []
    for text in chart.split("|"):
        shares = text.split()
        bar, share = [], Fraction(metre, len(shares))
        for k, symbol in enumerate(shares):
            if symbol != ".":
                bar.append((k * share, parse_chord(symbol)))
        bars.append(tuple(bar))
    return Stage(Timeline(Progression(bars, metre)), metre, STRAIGHT, listener)


def changes(st, beats):
    """Beats where the chart's chord differs from the beat before's."""
    return [b for b in range(beats) if b == 0 or st.chord_at(b) != st.chord_at(b - 1)]


@pytest.mark.parametrize("chart, metre", [(II_V_I, 4), (WALTZ, 3)])
def test_a_walk_plays_one_note_a_beat_in_range_with_root_or_fifth_on_each_change(
        model_dir, chart, metre):
    st, bass = stage(chart, metre), part(model_dir)
    beats = 16 * metre
    notes = bass.play(beats, st)
    assert [n.start for n in notes] == list(range(beats))
    assert all(n.end == n.start + 1 and n.channel == 3 for n in notes)
    assert all(28 <= n.pitch <= 55 for n in notes)
    for b in changes(st, beats):
        chord = st.chord_at(b)
        assert (notes[b].pitch - chord.root) % 12 in (0, bassvocab.fifth_of(chord)), b


def test_the_guard_puts_the_root_on_a_change_unless_the_model_chose_root_or_fifth():
    g7, bdim = parse_chord("G7"), parse_chord("Bdim7")
    assert [guard(i, g7, True) for i in (0, 7, 4, 10)] == [0, 7, 0, 0]
    assert guard(6, bdim, True) == 6 and guard(7, bdim, True) == 0  # a dim chord's fifth is b5
    assert guard(4, g7, False) == 4  # between changes the model's word stands


def test_the_same_seed_plays_the_same_line_and_another_seed_another(model_dir):
    lines = [[n.pitch for n in part(model_dir, seed).play(64, stage(II_V_I))] for seed in (3, 3, 4)]
    assert lines[0] == lines[1] and lines[0] != lines[2]
    # asked in small steps or all at once: the same line
    bass, st = part(model_dir, 3), stage(II_V_I)
    assert [n.pitch for k in range(1, 65) for n in bass.play(k, st)] == lines[0]


def test_a_two_feel_plays_half_notes_on_one_and_three(model_dir):
    notes = part(model_dir, feel="two").play(32, stage(II_V_I))
    assert [n.start for n in notes] == list(range(0, 32, 2))
    assert all(n.end - n.start == 2 for n in notes)
    assert two_starts(4) == (0, 2) and two_starts(3) == (0,) and two_starts(5) == (0, 3)
    waltz = part(model_dir, feel="two").play(12, stage(WALTZ, 3))
    assert [n.start for n in waltz] == [0, 3, 6, 9, 11]  # each bar, and the change on 3 of bar 4


def test_bossa_puts_the_root_on_one_and_the_fifth_on_the_and_of_two(model_dir):
    st = stage("Dm7 | G7 C7")
    notes = part(model_dir, feel="bossa").play(8, st)
    got = [(n.start, n.end, (n.pitch - n.chord.root) % 12, n.chord.name) for n in notes]
    assert got == [(0, 1.5, 0, "Dm7"), (1.5, 4, 7, "Dm7"), (4, 5.5, 0, "G7"), (5.5, 6, 7, "G7"),
                   (6, 7.5, 0, "C7"), (7.5, 8, 7, "C7")]


def test_the_bass_rests_under_no_chord(model_dir):
    notes = part(model_dir).play(8, stage("NC | C7"))
    assert [n.start for n in notes] == [4, 5, 6, 7] and notes[0].pitch % 12 in (0, 7)


class Musician:
    """A listener that holds ``chord`` from ``beat`` on (None: nothing yet)."""

    settings = SimpleNamespace(follow_chords=True)

    def __init__(self):
        self.chord, self.beat = None, 0

    def chord_for(self, beat):
        return self.chord if self.chord is not None and beat >= self.beat else None


def test_a_chord_the_musician_changes_to_is_served_its_root_on_the_next_beat(model_dir):
    musician = Musician()
    st, bass = stage("Cmaj7", listener=musician), part(model_dir)
    made = bass.play(8, st)  # made ahead, over the chart's C
    musician.chord, musician.beat = parse_chord("Ab7"), 4  # then the musician plays Ab7
    sent = [bass.revoice(n, st) for n in made]
    assert sent[:4] == made[:4]
    assert sent[4].pitch % 12 == 8 and sent[4].chord.name == "Ab7"  # the new root first
    assert all(28 <= n.pitch <= 55 for n in sent)
    # heard before it is made: the generated line turns to the new chord at once
    later = bass.play(12, st)
    assert later[0].chord.name == "Ab7" and all(n.chord.name == "Ab7" for n in later)


def test_the_part_loads_only_a_bass_model(model_dir, tmp_path):
    from randmodel import write_random_model

    soloist = write_random_model(tmp_path / "solo", n_values=12, n_a=8)
    with pytest.raises(ModelError, match="melody part, not of the bass"):
        bass_part(Bass(model=str(soloist)), np.random.default_rng(0))
    with pytest.raises(ModelError, match="bass part, not of the melody"):
        modelfile.load(model_dir)  # nor will the soloist play the bass's model
    assert modelfile.load(model_dir, part="bass").features == bassvocab.NAME
    with pytest.raises(UsageError, match="octave"):
        Bass(low=40, high=50)


def test_the_shipped_bass_model_walks_a_blues():
    if MODEL not in modelfile.shipped_names():
        pytest.skip("the bass model is not shipped in this checkout")
    st = stage("F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | D7 | Gm7 | C7 | F7 D7 | Gm7 C7")
    notes = bass_part(Bass(), np.random.default_rng(1)).play(96, st)
    assert [n.start for n in notes] == list(range(96))
    assert all(28 <= n.pitch <= 55 for n in notes)
    figures = basslines.line_figures([n.pitch for n in notes], [n.chord for n in notes])
    assert figures.root_on_change > 0.5 and figures.repeated < 0.5


def test_the_play_path_never_imports_tensorflow():
    code = ("import sys, improv.band.bass, improv.learning.basslines; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- words ---------------------------------------------------------------------------------

def test_words_name_interval_and_folded_step_and_realise_near_the_step():
    assert bassvocab.token(12, 12) == "0:0" and bassvocab.token(3, -8) == "3:+4"
    assert bassvocab.token(7, None) == "7:n" and bassvocab.parse_token("11:-1") == (11, -1)
    for bad in ("12:0", "3:+9", "x", "3:1"):
        with pytest.raises(ValueError):
            bassvocab.parse_token(bad)
    # a fifth down from C2 (36) over F: F1 (29); a fourth up: F2 (41)
    assert bassvocab.realise(0, -7, 5, 36, 28, 55) == 29
    assert bassvocab.realise(0, 5, 5, 36, 28, 55) == 41
    assert bassvocab.realise(0, 5, 5, 53, 28, 55) == 53  # G3 is the top: F3 stays
    ctx = bassvocab.describe(bassvocab.features(parse_chord("G7"), parse_chord("Dm7"),
                                                parse_chord("Cmaj7"), 3, 4, 3, 1))
    assert ctx == {"family": "dom", "motion": 5, "beat": 3, "metre": 1, "since": 3,
                   "until": 0, "next": 5}


# --- the Weimar check ------------------------------------------------------------------------

def table(bass_of, bars=12, chords=("Dm7", "G7", "Cmaj7", "A7")):
    """A beat table of ``bars`` 4/4 bars, one chord a bar, ``bass_of(root, beat)`` the
    bass_pitch of each beat (None: none)."""
    rows = []
    for bar in range(bars):
        chord = parse_chord(chords[bar % len(chords)])
        for beat in range(1, 5):
            pitch = bass_of(36 + chord.root, beat)
            rows.append({"bar": str(bar), "beat": str(beat),
                         "chord": chord.symbol if beat == 1 else "",
                         "bass_pitch": "" if pitch is None else str(pitch)})
    return rows


def test_a_bass_a_fifth_off_is_found_corrected_and_kept():
    walk = {1: 0, 2: 2, 3: 4, 4: 6}
    beats = basslines.beats_of(table(lambda root, beat: root + 7 + walk[beat]))
    check = basslines.check_solo("t", beats)
    assert (check.offset, check.share, check.fifth_share, check.changes) == (7, 1.0, 1.0, 12)
    assert not basslines.keeps(check)  # 12 written chords: too few to trust
    assert basslines.keeps(check, min_changes=12)
    fixed = basslines.corrected(beats, check.offset)
    assert [b.pitch - b.chord.root for b in fixed[:4]] == [36, 38, 40, 42]
    figures = basslines.solo_figures(fixed)
    assert figures.root_on_change == 1.0 and figures.repeated == 0.0
    assert figures.notes_per_beat == 1.0
    words, contexts = basslines.solo_words(fixed)
    assert words[0] == ["0:n", "2:+2", "4:+2", "6:+2"]
    assert len(contexts[0]) == 4 and bassvocab.describe(contexts[0][0])["since"] == 0


def test_an_inconsistent_bass_is_left_out_and_held_bars_are_not_words():
    rng = np.random.default_rng(0)
    noise = basslines.check_solo("n", basslines.beats_of(
        table(lambda root, beat: int(rng.integers(30, 54)), bars=40)))
    assert noise.share < basslines.MIN_SHARE and not basslines.keeps(noise)
    held = basslines.beats_of(table(lambda root, beat: root if beat < 4 else None, bars=2))
    assert basslines.bar_repeats(held) == {0: 2, 1: 2}
    assert basslines.solo_words(held)[0] == [[], []]
    assert basslines.solo_words(held, max_repeats=3)[0][0] == ["0:n", "0:0", "0:0"]


def test_line_figures_count_roots_approaches_and_repeats():
    c, f = parse_chord("C7"), parse_chord("F7")
    fig = basslines.line_figures([36, 38, 40, 40, 41, None, 43, 42], [c, c, c, c, f, f, f, c])
    # changes at beat 4 (F: the root, from E a half step) and 7 (C: not the root; from G)
    assert fig.root_on_change == 0.5 and fig.approach == 0.5
    assert fig.repeated == pytest.approx(1 / 5) and fig.range == 7
    assert fig.notes_per_beat == 7 / 8


def test_add_k_baselines_are_probabilities_on_the_held_out_tokens():
    vocab = Vocabulary.from_values(["0:n", "0:0", "7:-5", "7:+7"], bassvocab.order_key)
    train = [("0:n", "7:+7", "0:0", "7:-5")]
    seqs = dataset.scored_windows([("0:n", "7:+7", "0:0")], vocab, 4)
    scores = dataset.addk_baselines(train, seqs, vocab, 0.5)
    assert set(scores) == {"unigram", "bigram", "trigram"}
    assert all(s.tokens == 3 and 0 < s.loss < 10 for s in scores.values())
    assert scores["bigram"].accuracy == 1.0  # every successor seen once in training


def test_a_numpy_generator_reads_a_bass_model(model_dir):
    gen = NumpyGenerator(modelfile.load(model_dir, part="bass"))
    probs = gen.step(None, bassvocab.features(parse_chord("C7"), None, None, 0, 4, 0, None))
    assert probs.shape == (len(gen.vocab),) and abs(probs.sum() - 1) < 1e-9
    assert isinstance(part(model_dir), BassPart) and part(model_dir).cursor == Fraction(0)


# --- training ----------------------------------------------------------------------------

def write_weimar(folder, solos=6, bars=24):
    """A tiny Weimar folder: each solo a ii-V-I-VI walk, its bass a fifth up as the
    database's is, and an empty melody table beside it."""
    import csv

    for sub in ("melody", "beats"):
        (folder / sub).mkdir(parents=True)
    for k in range(solos):
        rows = table(lambda root, beat: root + 7 + (0, 2, 4, 7)[beat - 1] + k % 2, bars=bars)
        for row in rows:
            row.update(onset=str(len(row)), form="", chorus_id="1", signature="")
        name = f"Player{k}_Tune_Solo.csv"
        with open(folder / "beats" / name, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        (folder / "melody" / name).write_text("onset,duration,pitch\n")
    return folder


def test_the_kept_solos_become_windows_of_words_with_whole_solos_held_out(tmp_path):
    from improv.learning.training import prepare

    checks, kept = basslines.kept_solos(write_weimar(tmp_path / "wjazzd"), min_changes=20)
    assert [c.offset for c in checks] == [7, 8] * 3 and len(kept) == 6
    pieces, corpus, contexts = basslines.training_corpus(kept)
    assert pieces[1][0] == ["0:n", "2:+2", "4:+2", "7:+3"]  # corrected by its own offset, 8
    data = prepare(pieces, 8, 0.2, 0, 8, corpus, "pieces", contexts, order=bassvocab.order_key)
    assert len(data.split.validation) == 1 and data.windows.f.shape[2] == bassvocab.N_GROUPS
    assert data.vocab.values[0] == "0:n"


@pytest.mark.slow
def test_train_bass_checks_keeps_and_writes_a_bass_model(tmp_path, capsys):
    pytest.importorskip("keras")
    from improv import cli

    folder = write_weimar(tmp_path / "wjazzd")
    out = tmp_path / "bass"
    assert cli.main(["train", "--bass", "--corpus", str(folder), "--out", str(out), "--tx", "8",
                     "--n-a", "4", "--epochs", "1", "--batch-size", "64", "--val-share",
                     "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "kept: 6 solos" in printed and "held-out add-k bigram" in printed
    model = modelfile.load(out, part="bass")
    assert model.meta["part"] == "bass" and model.features == bassvocab.NAME
    assert [c["offset"] for c in model.meta["corpus"]] == [7, 8] * 3
    notes = bass_part(Bass(model=str(out)), np.random.default_rng(0)).play(16, stage(II_V_I))
    assert len(notes) == 16
