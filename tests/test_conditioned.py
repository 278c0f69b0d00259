"""The conditioned model: the context of each value, from corpus to engines to sampler."""

from fractions import Fraction

import numpy as np
import pytest

from improv.errors import ModelError, UsageError
from improv.language import context
from improv.language.harmony import NO_CHORD, parse_chord
from improv.learning import dataset
from improv.learning.contexts import piece_contexts
from improv.learning.corpus import Bar, MelodyNote, Piece
from improv.model import modelfile
from improv.model.engines import load_generator
from improv.band.chart import Progression
from improv.performance.feel import Feel
from improv.band.melodysettings import Melody
from improv.listening.trading import CallNote, pitch_before
from improv.band.comping import Comping
from improv.sampling.settings import SamplingSettings
from improv.sampling.soloist import Soloist

from daemon_fakes import duo

from randmodel import write_random_model

Dm7, G7, C6 = parse_chord("Dm7"), parse_chord("G7"), parse_chord("C6")


def test_each_group_is_one_hot_and_the_indices_name_the_moment():
    f = context.features(G7, Dm7, Fraction(5, 2), 4, Fraction(3, 2))
    assert len(f) == context.N_GROUPS and list(f) == sorted(f)
    assert all(context.OFFSETS[k] <= i < context.OFFSETS[k] + context.GROUPS[k][1]
               for k, i in enumerate(f))
    assert context.describe(f) == {"family": "dom", "motion": 5, "beat": 2, "metre": 1,
                                   "twelfth": 6, "change": 1}
    # a ii-V is the same context in any key
    assert f == context.features(parse_chord("C7"), parse_chord("Gm7"), 2.5, 4, 1.5)


def test_no_chord_and_no_previous_have_no_motion_and_metres_are_told_apart():
    assert context.describe(context.features(NO_CHORD, Dm7, 0, 4))["motion"] == 12
    assert context.describe(context.features(G7, None, 0, 4))["family"] == "dom"
    assert context.describe(context.features(G7, None, 0, 4))["motion"] == 12
    assert context.describe(context.features(NO_CHORD, None, 0, 4))["family"] == "nc"
    metres = {n: context.describe(context.features(G7, None, 0, n))["metre"] for n in (3, 4, 5, 6)}
    assert metres == {3: 0, 4: 1, 5: 2, 6: 2}
    assert context.describe(context.features(G7, None, Fraction(37, 6), 7))["beat"] == 5
    assert context.describe(context.features(G7, None, 1, 4, None))["change"] == 3
    assert context.describe(context.features(G7, None, 1, 4, Fraction(1, 3)))["change"] == 0


def piece(bars, tempo=None):
    return Piece("test", "0" * 64, "m", ("c",), tuple(bars), tempo=tempo)


def test_corpus_contexts_follow_the_chords_and_the_bars_of_a_piece():
    notes = (MelodyNote(0.0, 60, 1.0), MelodyNote(1.0, None, 1.5), MelodyNote(2.5, 62, 0.5))
    bars = [Bar(0, 0.0, 3.0, ((0.0, Dm7), (2.0, G7)), notes, ("a", "b", "c")),
            Bar(1, 3.0, 3.0, ((0.0, C6),), (MelodyNote(0.0, 64, 3.0),), ("d",))]
    got = [[context.describe(f) for f in row] for row in piece_contexts(piece(bars))]
    assert [len(row) for row in got] == [3, 1]
    first, rest, third = got[0]
    assert first == {"family": "min", "motion": 12, "beat": 0, "metre": 0, "twelfth": 0,
                     "change": 2, "pitch": "none", "tempo": 1}  # no tempo: 120 BPM's band
    assert rest["beat"] == 1 and rest["change"] == 1 and rest["family"] == "min"
    assert rest["pitch"] == 10  # the C before it is the 7th of Dm7
    assert third["family"] == "dom" and third["motion"] == 5 and third["twelfth"] == 6
    assert third["pitch"] == 5  # the same C, across the rest, is the 4th of G7
    assert got[1][0] == {"family": "maj", "motion": 5, "beat": 0, "metre": 0, "twelfth": 0,
                         "change": 3, "pitch": 2, "tempo": 1}
    ballad = piece_contexts(piece(bars, tempo=62.0))
    assert {context.describe(f)["tempo"] for row in ballad for f in row} == {0}


def test_the_pitch_group_places_the_last_pitch_against_the_chord_and_v1_models_skip_it():
    moment = context.features(G7, Dm7, 0, 4)
    v2 = context.with_pitch(moment, G7, 65)  # F over G7: its 7th
    assert v2[:context.N_GROUPS] == moment and context.describe(v2)["pitch"] == 10
    assert v2[-1] == context.PITCH_OFFSET + 10 < context.N_FEATURES_V2
    assert context.describe(context.with_pitch(moment, NO_CHORD, 65))["pitch"] == "none"
    assert context.describe(context.with_pitch(moment, G7, None))["pitch"] == "none"
    assert context.for_model(v2, context.N_FEATURES) == moment
    assert context.for_model(v2, context.N_FEATURES_V2) == v2
    assert len(context.no_chart(6)) == context.N_GROUPS + 2


def test_the_tempo_group_is_the_time_feels_band_and_v2_models_skip_it():
    v2 = context.with_pitch(context.features(G7, Dm7, 0, 4), G7, 65)
    bands = [context.describe(context.with_tempo(v2, bpm))["tempo"]
             for bpm in (60, 109.9, 110, 149, 150, 200, 250, 280, 400)]
    assert bands == [0, 0, 1, 1, 2, 3, 4, 5, 5]
    v3 = context.with_tempo(v2, None)
    assert context.describe(v3)["tempo"] == 1  # no tempo said: 120 BPM's band
    assert v3[-1] < context.N_FEATURES_V3 and v3[:-1] == v2
    assert context.for_model(v3, context.N_FEATURES_V3) == v3
    assert context.for_model(v3, context.N_FEATURES_V2) == v2
    assert context.for_model(v3, context.N_FEATURES) == v2[:context.N_GROUPS]


def test_a_pickup_bar_counts_from_the_upbeat_of_the_bar_after_it():
    bars = [Bar(0, 0.0, 1.0, ((0.0, G7),), (MelodyNote(0.5, 60, 0.5),), ("a",)),
            Bar(1, 1.0, 4.0, ((0.0, C6),), (MelodyNote(0.0, 64, 4.0),), ("b",))]
    pickup = context.describe(piece_contexts(piece(bars))[0][0])
    assert pickup["beat"] == 3 and pickup["metre"] == 1 and pickup["twelfth"] == 6


def test_windows_carry_the_context_of_each_target():
    a, b, c = "C,0.250", "R,0.500", "S,0.500,<m3,m-3>"
    vocab = dataset.build_vocabulary([a, b, c])
    segment = [a, b, c, a, b]
    ctx = [(k, 10 + k) for k in range(5)]
    win = dataset.windows([segment], vocab, 3, [ctx])
    assert win.f.shape == (3, 3, 2)
    for i in range(3):
        assert [tuple(row) for row in win.f[i]] == ctx[i:i + 3]
        assert list(win.y[i]) == vocab.encode(segment[i:i + 3])
    seqs = dataset.scored_windows([segment, [c]], vocab, 5, [ctx, [(7, 8)]])
    assert seqs.f.shape == (2, 5, 2) and tuple(seqs.f[1, 0]) == (7, 8)


@pytest.fixture(scope="module")
def conditioned_dir(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("cm") / "m", n_values=78, n_a=32,
                              seed=5, conditioned=True)


def test_the_model_file_says_which_inputs_it_takes(conditioned_dir, tmp_path):
    loaded = modelfile.load(conditioned_dir)
    assert loaded.features == context.NAME_V3 and loaded.n_features == context.N_FEATURES_V3
    assert loaded.meta["n_features"] == context.N_FEATURES_V3
    assert loaded.weights.lstm_kernel.shape == (78 + context.N_FEATURES_V3, 128)
    plain = modelfile.load(write_random_model(tmp_path / "plain", n_a=32))
    assert plain.features is None and plain.n_features == 0
    meta = (conditioned_dir / "model.json").read_text()
    (tmp_path / "odd").mkdir()
    for name in ("weights.npz", "vocab.json"):
        (tmp_path / "odd" / name).write_bytes((conditioned_dir / name).read_bytes())
    (tmp_path / "odd" / "model.json").write_text(meta.replace('"context-v3"', '"context-v9"'))
    with pytest.raises(ModelError, match="context-v9.*upgrade improv or retrain"):
        modelfile.load(tmp_path / "odd")


def test_the_numpy_step_adds_the_context_rows(conditioned_dir):
    gen = load_generator(conditioned_dir)
    w = modelfile.load(conditioned_dir).weights
    f = context.with_tempo(context.with_pitch(context.features(G7, Dm7, 1, 4, 2), G7, 71), 90)
    x = np.zeros(78 + context.N_FEATURES_V3)
    x[5] = 1.0
    x[78 + np.array(f)] = 1.0
    z = x @ w.lstm_kernel.astype(float) + w.lstm_bias
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, fg, g, o = np.split(z, 4)
    a = sig(o) * np.tanh(sig(i) * np.tanh(g))
    logits = a @ w.dense_kernel.astype(float) + w.dense_bias
    want = np.exp(logits - logits.max())
    np.testing.assert_allclose(gen.step(5, f), want / want.sum(), atol=1e-12)
    with pytest.raises(UsageError, match="reads the context"):
        gen.step(5)
    with pytest.raises(UsageError, match="outside"):
        gen.step(5, (0, 999))


def test_keras_and_numpy_agree_on_a_conditioned_model(conditioned_dir):
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(2)
    gens = [load_generator(conditioned_dir, "numpy"), load_generator(conditioned_dir, "keras"),
            load_generator(conditioned_dir, "keras", dtype="float32")]
    chords = [G7, Dm7, C6, NO_CHORD]
    worst = np.zeros(len(gens))
    for step in range(300):
        index = None if step == 0 else int(rng.integers(78))
        f = context.features(chords[step % 4], chords[(step + 1) % 4],
                             Fraction(int(rng.integers(48)), 12), 3 + step % 3,
                             Fraction(int(rng.integers(60)), 12))
        probs = [g.step(index, f).astype(np.float64) for g in gens]
        worst = np.maximum(worst, [np.abs(p - probs[0]).max() for p in probs])
    assert worst[1] <= 1e-5 and worst[2] <= 1e-5, worst


def test_the_training_graph_and_the_engine_agree_on_a_conditioned_model(conditioned_dir):
    pytest.importorskip("tensorflow")
    from improv.model import graph

    loaded = modelfile.load(conditioned_dir)
    layers = graph.from_weights(loaded.weights)
    rng = np.random.default_rng(4)
    ids = rng.integers(0, 78, (2, 12)).astype(np.int32)
    ids[:, 0] = dataset.ZERO
    f = np.stack([[context.features(G7 if t % 2 else Dm7, C6, Fraction(t, 3), 4, 1)
                   for t in range(12)] for _ in range(2)]).astype(np.int32)
    fast = graph.sequence_probabilities(layers, ids, f)
    gen = load_generator(conditioned_dir)
    for row in range(2):
        gen.reset()
        for t in range(12):
            probs = gen.step(None if t == 0 else int(ids[row, t]), tuple(f[row, t]))
            assert np.abs(probs - fast[row, t]).max() <= 1e-5


class Recording:
    """A generator wrapper that records what each step was fed."""

    def __init__(self, gen):
        self.gen, self.fed = gen, []
        self.vocab, self.n_values, self.n_a = gen.vocab, gen.n_values, gen.n_a
        self.n_features, self.tx = gen.n_features, gen.tx

    def step(self, index, features=()):
        self.fed.append((index, tuple(features)))
        return self.gen.step(index, features)

    def reset(self):
        self.gen.reset()

    def prime(self, indices, features=()):
        return self.gen.prime(indices, features)


def test_the_sampler_feeds_the_context_of_the_value_it_is_about_to_choose(conditioned_dir):
    gen = Recording(load_generator(conditioned_dir))
    soloist = Soloist(gen, SamplingSettings(seed=1, endless="keep"))
    chart = Progression.parse("Dm7 G7 | C6")
    perf = duo(soloist, chart, np.random.default_rng(0), comping=Comping(enabled=False),
               feel=Feel(swing=0.0, humanise=0, timing="grid", tempo=72.0),
               melody=Melody(motifs=0))  # every value sampled: a recall is fed by force()
    starts = []
    original = soloist.next_index

    def spy():
        starts.append(soloist._at)
        return original()

    soloist.next_index = spy
    melody = perf.part("melody")
    notes = [n for n in perf.advance(24) if n.channel == melody.channel]
    assert len(gen.fed) == len(starts) >= 10
    n = context.N_GROUPS
    for (_index, fed), at in zip(gen.fed, starts):
        beat = Fraction(at, 12)
        chord = chart.chord_at(beat)
        assert context.describe(fed)["family"] == context.FAMILIES[context.chord_family(chord)]
        assert fed[:n] == perf.part("melody").context_at(at)[:n]
        assert context.describe(fed)["beat"] == int(beat % 4)
        # the pitch group: the last note the part played before this value, on that chord
        before = [note.pitch for note in notes if note.start < beat - 1e-9]  # float starts
        assert fed[n] == context.pitch_slot(chord, before[-1] if before else None)
        assert context.describe(fed)["tempo"] == 0  # a ballad: 72 BPM
    assert gen.fed[0][0] is None  # the zero x first


def test_a_context_v1_model_is_fed_its_six_groups(tmp_path):
    gen = Recording(load_generator(write_random_model(tmp_path / "v1", n_values=78, n_a=16,
                                                      conditioned="v1")))
    soloist = Soloist(gen, SamplingSettings(seed=1))
    perf = duo(soloist, Progression.parse("Dm7 G7 | C6"), np.random.default_rng(0),
               comping=Comping(enabled=False), feel=Feel(swing=0.0, humanise=0, timing="grid"))
    assert perf.advance(16)
    assert len(gen.fed) > 10 and all(len(f) == context.N_GROUPS for _i, f in gen.fed[1:])


def test_a_seeds_model_still_ignores_the_context(tmp_path):
    gen = Recording(load_generator(write_random_model(tmp_path / "m", n_a=16)))
    soloist = Soloist(gen, SamplingSettings(seed=1))
    for _ in range(40):
        soloist.next_value()
    assert all(f == () for _i, f in gen.fed)


def test_held_out_tokens_are_each_scored_once_after_at_most_tx_minus_1_values():
    values = ["C,0.250", "R,0.500", "S,0.500,<m3,m-3>", "C,1.000", "A,0.250,<m2,m-2>"]
    vocab = dataset.build_vocabulary(values)
    segments = [[values[k % 5] for k in range(11)], values[:2]]
    ctx = [[(k, k) for k in range(11)], [(50, 50), (51, 51)]]
    seqs = dataset.scored_windows(segments, vocab, 4, ctx)
    assert seqs.tokens == 13 and seqs.x.shape[1] == 4
    assert list(seqs.y[seqs.mask]) == vocab.encode(segments[0]) + vocab.encode(segments[1])
    assert [tuple(f) for f in seqs.f[seqs.mask]] == ctx[0] + ctx[1]
    # each scored token sees only the values just before it in its segment
    for row in range(len(seqs.x)):
        for t in np.flatnonzero(seqs.mask[row]):
            assert seqs.x[row, 0] == dataset.ZERO
            assert (seqs.x[row, 1:t + 1] == seqs.y[row, :t]).all()
    scores = dataset.baselines([segments[0]], seqs, vocab)
    assert {s.tokens for s in scores.values()} == {13}
    assert scores["trigram"].loss <= scores["bigram"].loss <= scores["unigram"].loss


def test_a_long_vamp_still_hears_the_chord_before_and_the_change_ahead():
    # 20 bars of Dm7 then 20 of Ebm7: training reads the chord changes themselves, so
    # deep in the second vamp the motion is still a semitone up, and the change far off
    chart = Progression.parse(" | ".join(["Dm7"] * 20 + ["Ebm7"] * 20))
    perf = duo(None, chart, np.random.default_rng(0), comping=Comping(enabled=False))
    deep = context.describe(perf.part("melody").context_at(12 * (4 * 35 + 1)))  # bar 36, beat 2
    assert deep["family"] == "min" and deep["motion"] == 1 and deep["change"] == 3
    near = context.describe(perf.part("melody").context_at(12 * (4 * 39 + 3) + 6))  # half a beat before
    assert near["change"] == 0  # Dm7 comes round again on the loop
    again = context.describe(perf.part("melody").context_at(12 * (4 * 40 + 5)))  # second time round
    assert again["motion"] == 11 and again["family"] == "min"


def test_a_re_prime_feeds_each_value_with_the_context_it_was_first_fed_with(conditioned_dir):
    gen = Recording(load_generator(conditioned_dir))
    soloist = Soloist(gen, SamplingSettings(seed=2))  # endless="reprime"
    chart = Progression.parse("Dm7 G7 | C6 | Fm7 Bb7 | Ebmaj7")
    perf = duo(soloist, chart, np.random.default_rng(0), comping=Comping(enabled=False),
                     feel=Feel(swing=0.0, humanise=0, timing="grid"))
    perf.advance(64)
    first_time, replays, k = set(), 0, 0
    while k < len(gen.fed):
        index, fed = gen.fed[k]
        if index is None and k > 0:  # a re-prime: the zero x, then values fed before:
            replays += 1  # as many as were chosen so far, at most Tx - 1 (one per feed)
            held = min(len(first_time), soloist._context_len)
            run = gen.fed[k + 1:k + held]
            assert {(i, f) for i, f in run[:-1]} <= first_time
            k += held
            continue
        first_time.add((index, fed))
        k += 1
    assert replays >= 2


def test_a_primed_call_is_heard_against_the_musicians_own_pitches():
    call = [CallNote(0.0, 0.5, 62), CallNote(0.5, 1.0, 65), CallNote(1.0, None, 69)]
    assert pitch_before(call, 0) is None  # the first note has none before it
    assert pitch_before(call, 6) == 62 and pitch_before(call, 7) == 65
    assert pitch_before(call, 24) == 69
