"""The Soloist: seeded sampling, the grammar constraints, fallbacks and the endless policy."""


import numpy as np
import pytest

from improv.commands import config
from improv.errors import ConfigError, UsageError
from improv.language.grammar import (
    BEATS_PER_BAR,
    Phrase,
    Value,
    is_valid_start,
    twelfths,
)
from improv.language.vocab import Vocabulary
from improv.model import modelfile
from improv.model.engines import load_generator
from improv.model.modelfile import default_dir
from improv.analysis import streamstats
from improv.sampling.restgrid import GRID_ONSETS
from improv.sampling.settings import SamplingSettings
from improv.sampling.soloist import Soloist
from improv.settings import meta

from randmodel import random_vocab, random_weights, write_random_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m", seed=5)


SHIPPED_STEPS = 20_000


@pytest.fixture(scope="module")
def shipped_stream():
    """20,000 values from the shipped model with the daemon's settings (a second or two)."""
    if not (default_dir() / modelfile.WEIGHTS).is_file():
        pytest.skip("the shipped model is absent")
    soloist = Soloist.load(default_dir(), seed=12)
    stream = np.array([soloist.next_index() for _ in range(SHIPPED_STEPS)])
    return soloist, stream


def onsets(values, start=0):
    """Where each value starts, in twelfths into the beat."""
    positions, position = [], start
    for value in values:
        positions.append(position)
        position = (position + twelfths(value.duration)) % 12
    return positions


def _biased_model(path, bias_for, amount, vocab=None, seed=0):
    """A random model whose softmax is pushed towards (amount > 0) the chosen values."""
    vocab = vocab or random_vocab()
    w = random_weights(len(vocab), 16, seed=seed)
    bias = w.dense_bias.copy()
    for i, value in enumerate(vocab.parsed()):
        if bias_for(value):
            bias[i] += amount
    w = modelfile.LSTMWeights(w.lstm_kernel, w.lstm_recurrent_kernel, w.lstm_bias,
                              w.dense_kernel, bias)
    return modelfile.save(path, w, vocab, {"tx": 30})


def check_constraints(values, max_rest):
    """Walked through grammar.Phrase (as the encoder and the performer walk a line): the
    solo opens on a valid start, so does every phrase, and no rest run is too long."""
    assert is_valid_start(values[0])
    phrase, resting = Phrase(), 0
    for value in values:
        if value.is_rest:
            resting += twelfths(value.duration)
            assert resting <= max_rest * 12
            phrase.rest(value.duration)
        else:
            if not phrase.open:
                assert is_valid_start(value), value
            phrase.note()
            resting = 0


def test_same_seed_same_values_and_other_seeds_differ(model_dir):
    a = Soloist.load(model_dir, seed=7, temperature=0.8, top_p=0.95)
    b = Soloist.load(model_dir, seed=7, temperature=0.8, top_p=0.95)
    c = Soloist.load(model_dir, seed=8, temperature=0.8, top_p=0.95)
    seq_a = [a.next_index() for _ in range(500)]
    assert seq_a == [b.next_index() for _ in range(500)]
    assert seq_a != [c.next_index() for _ in range(500)]


def test_same_seed_same_values_on_both_engines(model_dir):
    pytest.importorskip("tensorflow")
    for settings in (dict(seed=7), dict(seed=3, temperature=0.7, top_p=0.9), dict(greedy=True)):
        streams = []
        for engine in ("numpy", "keras"):
            soloist = Soloist.load(model_dir, engine, **settings)
            stream = [soloist.next_index() for _ in range(200)]
            soloist.prime(["C,0.250", "S,0.500,<m3,m-3>", "R,1.000"])
            stream += [soloist.next_index() for _ in range(50)]
            streams.append(stream)
        assert streams[0] == streams[1], settings


def test_constraints_hold_on_a_typical_model(model_dir):
    soloist = Soloist.load(model_dir, seed=2)
    check_constraints([soloist.next_value() for _ in range(5000)], SamplingSettings().max_rest)


def test_constraints_hold_when_the_model_loves_rests_and_ranges(tmp_path):
    # Rests and ranged notes get e^6 times the weight: unconstrained, the solo would open
    # on one, and sit in long silences.
    path = _biased_model(tmp_path / "m", lambda v: v.is_rest or v.needs_previous, 6.0)
    for max_bars in (0.5, 1.0, 2.0):
        soloist = Soloist.load(path, seed=4, max_rest_bars=max_bars, beats_per_bar=4)
        values = [soloist.next_value() for _ in range(3000)]
        check_constraints(values, max_bars * 4)
        assert sum(v.is_rest for v in values) > 300  # rests still happen, within the limit
    # the model's own gaps: a learned breath (improv.sampling.phrasing) is a limit too
    free = Soloist.load(path, seed=4, max_rest_bars=None, breaths="model")
    values = [free.next_value() for _ in range(3000)]
    resting = longest = 0.0
    for v in values:
        resting = resting + v.duration if v.is_rest else 0.0
        longest = max(longest, resting)
    assert longest > 8.0  # without the limit the same model rests for bars on end


def test_settings_count_bars_in_the_grammars_4_4():
    assert SamplingSettings().beats_per_bar == BEATS_PER_BAR
    assert SamplingSettings(max_rest_bars=0.5).max_rest_twelfths == 0.5 * BEATS_PER_BAR * 12


def test_prime_then_a_new_phrase(model_dir):
    soloist = Soloist.load(model_dir, seed=9)
    for _ in range(20):
        soloist.prime(["C,0.250", Value("S", 0.5, -3, 3), 3])
        assert is_valid_start(soloist.next_value())
    with pytest.raises(UsageError, match="not in the model's vocabulary"):
        soloist.prime(["C,0.250", "C,7.000"])
    with pytest.raises(UsageError, match="outside the vocabulary"):
        soloist.prime([78])
    with pytest.raises(UsageError, match="bad grammar value"):
        soloist.prime(["hello"])


def test_reset_restarts_the_solo_but_not_the_random_stream(model_dir):
    soloist = Soloist.load(model_dir, greedy=True)
    first = [soloist.next_index() for _ in range(50)]
    soloist.reset()
    assert [soloist.next_index() for _ in range(50)] == first
    sampled = Soloist.load(model_dir, seed=1)
    first = [sampled.next_index() for _ in range(50)]
    sampled.reset()
    assert [sampled.next_index() for _ in range(50)] != first


def test_greedy_and_tiny_top_p_take_the_most_probable_allowed_value(model_dir):
    greedy = Soloist.load(model_dir, greedy=True)
    # With 78 values the most probable holds at least 1/78 > 1% of the mass: alone in
    # the smallest nucleus.
    nucleus = Soloist.load(model_dir, seed=1, top_p=0.01, breaths="model")  # greedy draws none
    seq = [greedy.next_index() for _ in range(300)]
    assert [nucleus.next_index() for _ in range(300)] == seq
    # The first greedy value is the argmax of the first probabilities among valid starts.
    gen = load_generator(model_dir)
    probs = gen.step(None)
    starts = [i for i, v in enumerate(greedy.values) if is_valid_start(v)]
    assert seq[0] == max(starts, key=lambda i: probs[i])


def test_temperature_sharpens_and_flattens(model_dir):
    def entropy(**kw):
        soloist = Soloist.load(model_dir, seed=3, endless="keep", **kw)
        p = streamstats.distribution([soloist.next_index() for _ in range(4000)], 78)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    assert entropy(temperature=0.3) < entropy() < entropy(temperature=3.0)


def test_fallback_when_the_model_gives_allowed_values_no_probability(tmp_path):
    # All mass on ranged values and rests (exp(-2000) is exactly 0): the opening note must
    # still be a valid start, drawn uniformly among them.
    path = _biased_model(tmp_path / "m", lambda v: v.is_rest or v.needs_previous, 2000.0)
    firsts = set()
    for seed in range(40):
        soloist = Soloist.load(path, seed=seed)
        values = [soloist.next_value() for _ in range(200)]
        check_constraints(values, SamplingSettings().max_rest)
        firsts.add(str(values[0]))
    assert len(firsts) > 3


def test_fallback_when_the_vocabulary_has_no_valid_start(tmp_path):
    vocab = Vocabulary.from_values(["C,0.500,<M2,m-3>", "S,0.250,<m3,m-3>", "R,0.500", "R,2.000"])
    path = _biased_model(tmp_path / "m", lambda v: False, 0.0, vocab=vocab)
    soloist = Soloist.load(path, seed=1, max_rest_bars=1)
    values = [soloist.next_value() for _ in range(300)]
    assert not values[0].is_rest  # relaxed to "any pitched value"
    resting = 0.0
    for v in values:
        resting = resting + v.duration if v.is_rest else 0.0
        assert resting <= 4.0


@pytest.mark.parametrize("bad", [dict(temperature=0), dict(temperature=-1), dict(top_p=0),
                                 dict(temperature=0.04), dict(temperature=5.5),
                                 dict(top_p=1.5), dict(top_p=0.009), dict(max_rest_bars=0),
                                 dict(max_rest_bars=0.2), dict(max_rest_bars=17), dict(seed=-1),
                                 dict(seed=2**32), dict(temperature=float("nan")),
                                 dict(beats_per_bar=0), dict(endless="forever"),
                                 dict(rhythm_grid="yes")])
def test_bad_settings_are_one_line_usage_errors(bad):
    with pytest.raises(UsageError) as info:
        SamplingSettings(**bad)
    assert "\n" not in str(info.value)


def test_settings_defaults_and_ranges_are_the_daemons():
    # The daemon's [sampling] table is the sampler's own settings class, so its defaults
    # are the sampler's; the ranges hold for code and for the config file alike.
    assert config.default().sampling == SamplingSettings()
    for name in ("temperature", "top_p", "max_rest_bars"):
        lo, hi = meta(SamplingSettings, name)["lo"], meta(SamplingSettings, name)["hi"]
        SamplingSettings(**{name: lo})
        SamplingSettings(**{name: hi})
        for outside in (lo - 1e-6, hi + 1e-6):
            with pytest.raises(UsageError):
                SamplingSettings(**{name: outside})
            with pytest.raises(ConfigError, match=f"sampling] {name}"):
                config.parse(f"[sampling]\n{name} = {outside}\n")
    SamplingSettings(seed=meta(SamplingSettings, "seed")["hi"])
    with pytest.raises(ConfigError, match="not a known key"):
        config.parse("[sampling]\ngreedy = true\n")  # code-only settings are not offered


def test_improv_sample_defaults_are_the_daemons():
    import argparse

    from improv.commands import sample

    parser = argparse.ArgumentParser()
    sample.add_arguments(parser)
    args = parser.parse_args([])
    cfg = config.default()
    assert args.model == cfg.model.path and args.engine == cfg.model.engine
    s = cfg.sampling
    assert (args.temperature, args.top_p, args.max_rest_bars, args.rhythm_grid, args.seed) == \
        (s.temperature, s.top_p, s.max_rest_bars, s.rhythm_grid, cfg.seed)


# --- endless -----------------------------------------------------------------------------

@pytest.mark.parametrize("policy", ["reprime", "keep"])
def test_endless_stream_stays_finite_stable_and_loop_free(model_dir, policy):
    soloist = Soloist.load(model_dir, seed=12, endless=policy)
    stream = np.array([soloist.next_index() for _ in range(20000)])
    a, c = soloist.generator.state
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(c)) and np.abs(a).max() <= 1.0
    assert streamstats.total_variation(stream[:5000], stream[-5000:], 78) < 0.1
    assert streamstats.tail_period(stream) is None
    assert streamstats.longest_repeat(stream[-5000:]) < 30


def test_endless_stream_of_the_shipped_model_is_stable_and_loop_free(shipped_stream):
    # The random model above is close to uniform, so its distribution barely can drift;
    # the trained one is peaked, phrase-shaped and can fall into riffs.
    soloist, stream = shipped_stream
    n = len(soloist.values)
    a, c = soloist.generator.state
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(c)) and np.abs(a).max() <= 1.0
    drift = streamstats.total_variation(stream[:5000], stream[-5000:], n)
    floor = streamstats.total_variation(stream[:5000], stream[5000:10000], n)
    assert drift < 0.2 and drift < floor + 0.1, (drift, floor)
    # still uses its vocabulary as widely as at the start (no collapse into a few values)
    assert len(np.unique(stream[-5000:])) >= 0.8 * len(np.unique(stream[:5000]))
    assert streamstats.tail_period(stream) is None
    assert streamstats.longest_repeat(stream[-5000:]) < 30  # nothing as long as a window


def test_loop_detectors():
    rng = np.random.default_rng(0)
    noise = rng.integers(78, size=3000)
    assert streamstats.tail_period(noise) is None
    looping = np.concatenate([noise, np.tile([1, 2, 3, 4, 5, 6], 400)])
    assert streamstats.tail_period(looping) == 6
    assert streamstats.longest_repeat(looping, cap=500) == 500
    planted = np.concatenate([noise[:100], noise[500:520], noise[200:400], noise[500:520]])
    assert streamstats.longest_repeat(planted) >= 20
    assert streamstats.total_variation([0, 0, 1, 1], [0, 1, 0, 1], 2) == 0.0
    assert streamstats.total_variation([0, 0], [1, 1], 2) == 1.0


def test_nucleus_keeps_the_fewest_most_probable_values(model_dir):
    from improv.sampling.nucleus import nucleus

    soloist = Soloist.load(model_dir, seed=0)
    rng = np.random.default_rng(4)
    n = len(soloist.values)
    buffers = np.empty(n), np.empty(n), np.empty(n, bool)
    for top_p in (0.01, 0.3, 0.9, 0.95, 0.999):
        for _ in range(200):
            w = rng.dirichlet(np.full(n, 0.3)) * rng.uniform(0.1, 10)
            w[rng.random(n) < 0.2] = 0.0  # masked values
            order = np.argsort(-w, kind="stable")
            keep = int(np.searchsorted(np.cumsum(w[order]), top_p * w.sum())) + 1
            want = np.zeros(n)
            want[order[:keep]] = w[order[:keep]]
            got = w.copy()
            nucleus(got, top_p, *buffers)
            np.testing.assert_array_equal(got, want)



# --- rhythm grid ---------------------------------------------------------------------------

def test_shipped_model_keeps_every_onset_on_the_grid(shipped_stream):
    soloist, stream = shipped_stream
    values = [soloist.values[i] for i in stream]
    assert set(onsets(values)) <= set(GRID_ONSETS)
    check_constraints(values, SamplingSettings().max_rest)
    # The constraint is doing something: without it the same model lands between them.
    free = Soloist.load(default_dir(), seed=12, rhythm_grid=False)
    loose = [free.next_value() for _ in range(2000)]
    assert not set(onsets(loose)) <= set(GRID_ONSETS)


def test_prime_moves_the_beat_position(model_dir):
    soloist = Soloist.load(model_dir, seed=6)
    primed = ["C,0.250", "S,0.333,<m3,m-3>"]  # ends 7 twelfths into the beat
    for _ in range(5):
        soloist.prime(primed)
    start = 5 * 7 % 12
    values = [soloist.next_value() for _ in range(500)]
    assert set(onsets(values, start)[1:]) <= set(GRID_ONSETS)


def test_grid_fallback_on_a_vocabulary_that_cannot_keep_to_it(tmp_path):
    # Durations of 5 and 7 twelfths: from the downbeat no value ends on the grid; from 5
    # twelfths in, only the 7-twelfth values do.
    vocab = Vocabulary.from_values(["C,0.417", "S,0.417,<m3,m-3>", "R,0.417",
                                    "C,0.583", "X,0.583,<M2,m-3>", "R,0.583"])
    path = _biased_model(tmp_path / "m", lambda v: False, 0.0, vocab=vocab)
    soloist = Soloist.load(path, seed=2, max_rest_bars=0.25)
    values = [soloist.next_value() for _ in range(2000)]
    check_constraints(values, 1.0)
    kept = 0
    for position, value in zip(onsets(values), values):
        reachable = {(position + twelfths(v.duration)) % 12 for v in soloist.values}
        if reachable & set(GRID_ONSETS):
            assert (position + twelfths(value.duration)) % 12 in GRID_ONSETS
            kept += 1
    assert 0 < kept < len(values)


def test_gaps_never_strand_the_line_off_the_grid(tmp_path):
    # The Metheny model's phrase starts are all straight (no triplet start): a gap that
    # used up the silence limit 1/3 into a beat would leave no start that ends on the
    # grid. Rests get e^4 times the weight, so gaps run into the limit all the time.
    vocab = Vocabulary.load(modelfile.models_dir() / "metheny" / modelfile.VOCAB)
    path = _biased_model(tmp_path / "m", lambda v: v.is_rest, 4.0, vocab=vocab)
    for max_bars in (0.25, 0.5, 2.0):
        soloist = Soloist.load(path, seed=3, max_rest_bars=max_bars)
        values = [soloist.next_value() for _ in range(4000)]
        check_constraints(values, max_bars * BEATS_PER_BAR)
        assert set(onsets(values)) <= set(GRID_ONSETS)
        assert sum(v.is_rest for v in values) > 1000


def test_restart_phrase_opens_a_phrase_at_the_given_beat_position(model_dir):
    soloist = Soloist.load(model_dir, seed=3)
    for position in (0, 3, 6, 0):
        for _ in range(7):
            soloist.next_value()
        soloist.restart_phrase(position)
        assert soloist._position == position
        assert is_valid_start(soloist.next_value())
