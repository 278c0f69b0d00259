"""Training data: vocabulary, stride-1 windows in the seeds' shapes, split by bar, baselines."""

import numpy as np
import pytest

from improv.errors import UsageError
from improv.learning import dataset

VALUES = ["C,0.250", "S,0.500", "R,0.250", "A,0.250", "C,1.000", "X,0.500", "R,1.000"]


def synthetic_bars(n_bars=40, per_bar=4, seed=0):
    rng = np.random.default_rng(seed)
    return [tuple(VALUES[i] for i in rng.integers(0, len(VALUES), per_bar)) for _ in range(n_bars)]


def test_vocabulary_is_distinct_and_independent_of_order():
    a = dataset.build_vocabulary(VALUES * 3)
    b = dataset.build_vocabulary(list(reversed(VALUES)))
    assert a.values == b.values and len(a) == len(VALUES)


def test_windows_shift_by_one_with_zero_first_input():
    vocab = dataset.build_vocabulary(VALUES)
    seq = tuple(VALUES[i % 7] for i in range(12))
    win = dataset.windows([seq], vocab, tx=5)
    ids = vocab.encode(seq)
    assert len(win) == len(seq) - 5 + 1  # every stride-1 window
    for p in range(len(win)):
        assert list(win.y[p]) == ids[p:p + 5]
        assert win.x[p, 0] == dataset.ZERO
        assert list(win.x[p, 1:]) == ids[p:p + 4]


def test_seed_shapes_are_one_hot_and_y_is_x_shifted():
    vocab = dataset.build_vocabulary(VALUES)
    seq = tuple(VALUES[(3 * i) % 7] for i in range(20))
    win = dataset.windows([seq], vocab, tx=6)
    X, Y = dataset.seed_arrays(win, len(vocab))
    m = len(win)
    assert X.shape == (m, 6, 7) and Y.shape == (6, m, 7)
    assert X.dtype == np.float32
    assert not X[:, 0, :].any()  # x<1> = 0
    assert (X[:, 1:, :].sum(-1) == 1).all() and (Y.sum(-1) == 1).all()
    # X is Y shifted one step: x<t+1> = y<t>
    assert np.array_equal(X[:, 1:, :], Y[:-1].swapaxes(0, 1))


def test_windows_never_cross_segments_and_skip_short_ones():
    vocab = dataset.build_vocabulary(VALUES)
    long_a, short, long_b = tuple(VALUES[:5]) * 2, tuple(VALUES[:3]), tuple(VALUES[2:]) * 2
    win = dataset.windows([long_a, short, long_b], vocab, tx=4)
    assert len(win) == (10 - 3) + 0 + (10 - 3)
    inside = {tuple(vocab.encode(seg)[i:i + 4]) for seg in (long_a, long_b) for i in range(7)}
    assert all(tuple(w) in inside for w in win.y.tolist())


def test_split_holds_out_whole_bars_deterministically():
    bars = synthetic_bars(40)
    a = dataset.split_bars([bars], share=0.2, seed=3, block_bars=4)
    b = dataset.split_bars([bars], share=0.2, seed=3, block_bars=4)
    c = dataset.split_bars([bars], share=0.2, seed=4, block_bars=4)
    assert a == b and a.validation_bars != c.validation_bars
    assert len(a.validation_bars) == 8  # 2 blocks of 4 bars out of 10 blocks
    held = {bar for _p, bar in a.validation_bars}
    # every value lands on exactly one side, whole bars at a time, in order
    assert a.train_values + a.validation_values == 40 * 4
    val_values = [v for i, bar in enumerate(bars) if i in held for v in bar]
    assert [v for s in a.validation for v in s] == val_values
    train_values = [v for i, bar in enumerate(bars) if i not in held for v in bar]
    assert [v for s in a.train for v in s] == train_values


def test_split_respects_piece_boundaries():
    pieces = [synthetic_bars(8, seed=1), synthetic_bars(8, seed=2)]
    split = dataset.split_bars(pieces, share=0.25, seed=0, block_bars=4)
    # segments never join the last bar of piece 0 with the first of piece 1
    assert len(split.train) + len(split.validation) >= 2
    assert max(len(s) for s in split.train + split.validation) <= 8 * 4


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1])
def test_split_rejects_bad_share(share):
    with pytest.raises(UsageError):
        dataset.split_bars([synthetic_bars(10)], share=share)


def test_split_rejects_a_corpus_of_one_block():
    with pytest.raises(UsageError, match="too few"):
        dataset.split_bars([synthetic_bars(3)], share=0.1, block_bars=8)


def test_short_segments_are_one_padded_window_each():
    vocab = dataset.build_vocabulary(VALUES)
    seqs = dataset.scored_windows([tuple(VALUES[:3]), tuple(VALUES[:5])], vocab, 5)
    assert seqs.x.shape == (2, 5) and seqs.tokens == 8
    assert list(seqs.mask[0]) == [True] * 3 + [False] * 2
    assert seqs.x[0, 0] == dataset.ZERO and list(seqs.x[1, 1:]) == vocab.encode(VALUES[:4])


def test_baselines_predict_most_frequent_and_successor():
    vocab = dataset.build_vocabulary(["C,0.250", "S,0.500", "R,0.250"])
    c, s, r = "C,0.250", "S,0.500", "R,0.250"
    train = [(c, s, c, s, c, s, c, r, c)]  # c most frequent; after c comes s; after s, c
    seqs = dataset.scored_windows([(c, s, c, s)], vocab, 4)
    scores = dataset.baselines(train, seqs, vocab)
    assert scores["unigram"].accuracy == pytest.approx(0.5)  # always c
    assert scores["bigram"].accuracy == pytest.approx(1.0)  # c (no previous), s, c, s
    assert scores["bigram"].loss < scores["unigram"].loss
    assert all(np.isfinite(v.loss) and v.tokens == 4 for v in scores.values())


def test_score_probabilities_ignores_padding():
    vocab = dataset.build_vocabulary(VALUES[:3])
    seqs = dataset.scored_windows([tuple(VALUES[:1]), tuple(VALUES[:3])], vocab, 3)
    probs = dataset.one_hot(seqs.y, 3) * 0.9 + 0.1 / 3
    probs[0, 1:] = dataset.one_hot(np.array([1, 1]), 3)  # padding: wrong on purpose
    score = dataset.score_probabilities(probs, seqs)
    assert score.accuracy == 1.0 and score.tokens == 4


def test_scoring_in_batches_equals_scoring_at_once():
    from improv.learning.dataset import Sequences, score_probabilities
    from improv.learning.training import score_in_batches

    rng = np.random.default_rng(0)
    x = rng.integers(0, 7, (23, 5)).astype(np.int32)
    y = rng.integers(0, 7, (23, 5)).astype(np.int32)
    mask = rng.random((23, 5)) < 0.8
    table = rng.random((7, 7))

    def predict(batch, _contexts=None):  # a deterministic fake model: from the input
        p = table[np.clip(batch, 0, 6)]
        return p / p.sum(-1, keepdims=True)

    seqs = Sequences(x, y, mask)
    whole, parts = score_probabilities(predict(x), seqs), score_in_batches(predict, seqs, 4)
    assert parts.tokens == whole.tokens
    assert parts.loss == pytest.approx(whole.loss) and parts.accuracy == pytest.approx(whole.accuracy)


def test_whole_pieces_held_out():
    pieces = [[[f"C,0.500,p{p}b{b}"] for b in range(3)] for p in range(6)]
    split = dataset.split_pieces(pieces, share=0.34, seed=1)
    assert len(split.validation) == 2 and len(split.train) == 4
    held = {p for p, _ in split.validation_bars}
    for segment in split.validation:  # each a whole piece, as it was
        p = int(segment[0].split("p")[1].split("b")[0])
        assert p in held and segment == tuple(f"C,0.500,p{p}b{b}" for b in range(3))
    assert not {v for s in split.train for v in s} & {v for s in split.validation for v in s}
    with pytest.raises(UsageError, match="two or more"):
        dataset.split_pieces(pieces[:1])
    with pytest.raises(UsageError, match="between 0 and 1"):
        dataset.split_pieces(pieces, share=1.0)
