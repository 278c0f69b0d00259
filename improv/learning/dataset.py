"""Grammar values → training data: a held-out split by bar, windows, baselines.

numpy only (no TensorFlow), so the data side is testable and fast. Sequences are kept
as value indices; index ``-1`` stands for the all-zero input x⟨1⟩ = 0 of the seeds.

* :func:`split_bars` holds out whole blocks of consecutive bars (chosen with a seeded
  generator), so no validation note is ever inside a training window and the
  validation text reads like music rather than isolated bars.
* :func:`windows` cuts every stride-1 window of ``tx`` values out of each contiguous
  training segment: ``y[t] = s[t]``, ``x[t] = s[t-1]``, ``x[0] = -1`` (zero).
* :func:`seed_arrays` turns windows into the seeds' one-hot shapes, X (m, Tx, n) and
  Y (Ty, m, n), for the unrolled ``djmodel``.
* :func:`scored_windows` lays out the held-out tokens as the player predicts them (each
  after at most Tx - 1 values from a zero state), and :func:`baselines` scores the
  n-gram predictors on exactly those tokens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from improv.errors import UsageError
from improv.language.vocab import Vocabulary

ZERO = -1  # the index of the all-zero input x<1>


@dataclass(frozen=True)
class Split:
    """Contiguous runs of values: training segments and held-out validation segments."""

    train: tuple[tuple[str, ...], ...]
    validation: tuple[tuple[str, ...], ...]
    validation_bars: tuple[tuple[int, int], ...]  # (piece number, bar number) held out

    @property
    def train_values(self) -> int:
        return sum(len(s) for s in self.train)

    @property
    def validation_values(self) -> int:
        return sum(len(s) for s in self.validation)


@dataclass(frozen=True, eq=False)
class Windows:
    """``m`` training windows as indices: inputs x (m, tx) and targets y (m, tx); for a
    conditioned model also f (m, tx, groups), the context of each target."""

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray | None = None

    def __len__(self) -> int:
        return self.x.shape[0]


@dataclass(frozen=True, eq=False)
class Sequences:
    """Padded sequences as indices, with a mask of the real (non-padding) positions."""

    x: np.ndarray     # (k, L) int32, ZERO at t = 0 and in the padding
    y: np.ndarray     # (k, L) int32, 0 in the padding
    mask: np.ndarray  # (k, L) bool
    f: np.ndarray | None = None  # (k, L, groups) int16: each target's context

    def part(self, start: int, stop: int) -> "Sequences":
        """Rows ``start:stop``."""
        return Sequences(self.x[start:stop], self.y[start:stop], self.mask[start:stop],
                         None if self.f is None else self.f[start:stop])

    @property
    def tokens(self) -> int:
        return int(self.mask.sum())


def build_vocabulary(values, order=None) -> Vocabulary:
    """The vocabulary of every value the corpus holds (training and validation alike:
    the output layer must be able to name each one); ``order``: the sort key of words
    that are not grammar values (:meth:`Vocabulary.from_values`)."""
    return Vocabulary.from_values(values, order)


def split_bars(pieces: Sequence[Sequence[Sequence[str]]], share: float = 0.1, seed: int = 0,
               block_bars: int = 8) -> Split:
    """Hold out about ``share`` of the bars, in blocks of ``block_bars`` consecutive bars.

    ``pieces`` is one list of bars per piece, each bar a sequence of value strings.
    Blocks never cross a piece boundary, and segments never join two pieces. The choice
    depends only on the bar counts, ``share``, ``block_bars`` and ``seed``.
    """
    if not 0.0 < share < 1.0:
        raise UsageError(f"validation share {share} is not between 0 and 1: use e.g. 0.1")
    if block_bars < 1:
        raise UsageError(f"block size {block_bars} bars is not positive")
    blocks = [(p, start) for p, bars in enumerate(pieces)
              for start in range(0, len(bars), block_bars)]
    if len(blocks) < 2:
        raise UsageError(f"the corpus has {sum(len(b) for b in pieces)} bars, too few to hold "
                         f"out {block_bars}-bar blocks for validation: add MIDI files")
    k = min(len(blocks) - 1, max(1, round(share * len(blocks))))
    chosen = np.random.default_rng(seed).choice(len(blocks), size=k, replace=False)
    held = {(blocks[i][0], bar) for i in chosen
            for bar in range(blocks[i][1], min(blocks[i][1] + block_bars, len(pieces[blocks[i][0]])))}
    train, validation = [], []
    for p, bars in enumerate(pieces):
        run, run_held = [], None
        for b, bar in enumerate(bars):
            is_held = (p, b) in held
            if run_held is not None and is_held != run_held:
                (validation if run_held else train).append(tuple(run))
                run = []
            run_held = is_held
            run.extend(bar)
        if run_held is not None:
            (validation if run_held else train).append(tuple(run))
    return Split(tuple(s for s in train if s), tuple(s for s in validation if s),
                 tuple(sorted(held)))


def split_pieces(pieces: Sequence[Sequence[Sequence[str]]], share: float = 0.1,
                 seed: int = 0) -> Split:
    """Hold out about ``share`` of the pieces whole (at least one, never all): with
    many solos, a block of bars held out of a solo would still share its player's
    phrases with the bars around it; a held-out solo shares none."""
    if not 0.0 < share < 1.0:
        raise UsageError(f"validation share {share} is not between 0 and 1: use e.g. 0.1")
    if len(pieces) < 2:
        raise UsageError(f"holding out whole pieces needs two or more; the corpus has "
                         f"{len(pieces)}: hold out blocks of bars instead")
    k = min(len(pieces) - 1, max(1, round(share * len(pieces))))
    held = set(np.random.default_rng(seed).choice(len(pieces), size=k, replace=False).tolist())
    train = tuple(tuple(v for bar in bars for v in bar) for p, bars in enumerate(pieces)
                  if p not in held)
    validation = tuple(tuple(v for bar in bars for v in bar) for p, bars in enumerate(pieces)
                       if p in held)
    return Split(tuple(s for s in train if s), tuple(s for s in validation if s),
                 tuple((p, b) for p in sorted(held) for b in range(len(pieces[p]))))


def windows(segments, vocab: Vocabulary, tx: int, contexts=None) -> Windows:
    """Every stride-1 window of ``tx`` values inside each segment (segments shorter than
    ``tx`` give none): ``y[i, t] = s[p+t]``, ``x[i, t] = s[p+t-1]``, ``x[i, 0] = ZERO``.
    ``contexts``, parallel to ``segments``, gives each value's feature indices:
    ``f[i, t]`` is the context of ``y[i, t]``."""
    if tx < 1:
        raise UsageError(f"window length {tx} is not positive")
    xs, ys, fs = [], [], []
    for k, segment in enumerate(segments):
        ids = np.asarray(vocab.encode(segment), dtype=np.int32)
        if len(ids) < tx:
            continue
        y = np.lib.stride_tricks.sliding_window_view(ids, tx)
        x = np.concatenate([np.full((len(y), 1), ZERO, np.int32), y[:, :-1]], axis=1)
        xs.append(x)
        ys.append(y)
        if contexts is not None:
            f = np.asarray(contexts[k], dtype=np.int16)
            fs.append(np.lib.stride_tricks.sliding_window_view(f, tx, axis=0).swapaxes(1, 2))
    if not xs:
        return Windows(np.zeros((0, tx), np.int32), np.zeros((0, tx), np.int32))
    f = np.ascontiguousarray(np.concatenate(fs)) if fs else None
    return Windows(np.ascontiguousarray(np.concatenate(xs)),
                   np.ascontiguousarray(np.concatenate(ys)), f)


def scored_windows(segments, vocab: Vocabulary, tx: int, contexts=None) -> Sequences:
    """Held-out tokens as the player predicts them: each from a zero state fed at most
    the ``tx - 1`` values before it (the last position of a training window; the
    sampler re-primes from that many). The first ``tx`` tokens of a segment share one
    window from its start; every later token is the last, and only scored, position of
    the window ending on it. Reading a whole solo of a thousand values from one zero
    state instead would score the LSTM far beyond the 30 steps it was trained on."""
    xs, ys, masks, fs = [], [], [], []
    for k, segment in enumerate(segments):
        if not segment:
            continue
        ids = np.asarray(vocab.encode(segment), dtype=np.int32)
        f = None if contexts is None else np.asarray(contexts[k], dtype=np.int16)
        head = min(len(ids), tx)
        x = np.full((1, tx), ZERO, np.int32)
        y = np.zeros((1, tx), np.int32)
        mask = np.zeros((1, tx), bool)
        y[0, :head], x[0, 1:head], mask[0, :head] = ids[:head], ids[:head - 1], True
        xs.append(x), ys.append(y), masks.append(mask)
        if f is not None:
            head_f = np.zeros((1, tx, f.shape[1]), np.int16)
            head_f[0, :head] = f[:head]
            fs.append(head_f)
        if len(ids) > tx:
            y = np.lib.stride_tricks.sliding_window_view(ids, tx)[1:]
            x = np.concatenate([np.full((len(y), 1), ZERO, np.int32), y[:, :-1]], axis=1)
            mask = np.zeros(y.shape, bool)
            mask[:, -1] = True
            xs.append(x), ys.append(y), masks.append(mask)
            if f is not None:
                fs.append(np.lib.stride_tricks.sliding_window_view(f, tx, axis=0)[1:]
                          .swapaxes(1, 2))
    if not xs:
        return Sequences(np.zeros((0, tx), np.int32), np.zeros((0, tx), np.int32),
                         np.zeros((0, tx), bool))
    return Sequences(np.concatenate(xs), np.ascontiguousarray(np.concatenate(ys)),
                     np.concatenate(masks), np.concatenate(fs) if fs else None)


def one_hot(ids: np.ndarray, n_values: int) -> np.ndarray:
    """float32 one-hot of an index array; ZERO (and any negative index) gives all zeros."""
    ids = np.asarray(ids)
    out = np.zeros(ids.shape + (n_values,), np.float32)
    where = ids >= 0
    out[np.nonzero(where) + (ids[where],)] = 1.0
    return out


def seed_arrays(win: Windows, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """The seeds' shapes: X (m, Tx, n_values) with x<1> = 0, Y (Ty, m, n_values)."""
    return one_hot(win.x, n_values), np.ascontiguousarray(one_hot(win.y, n_values).swapaxes(0, 1))


@dataclass(frozen=True)
class Score:
    """Next-token cross-entropy (nats per token) and accuracy over some tokens."""

    loss: float
    accuracy: float
    tokens: int


def score_probabilities(probs: np.ndarray, seqs: Sequences) -> Score:
    """Score predicted distributions (k, L, n) against the real tokens of ``seqs``."""
    return _score(probs, probs.argmax(axis=-1), seqs)


def baselines(train_segments, seqs: Sequences, vocab: Vocabulary) -> dict[str, Score]:
    """Unigram, bigram and trigram predictors from the training values, scored on the
    tokens of ``seqs`` (each held-out segment read from its start, as the model reads it).

    Predictions (accuracy) are plain most-frequent choices, ties to the lower vocabulary
    index: the most frequent value; the most frequent successor of the previous value
    (or of the previous two), falling back to the shorter context where the longer was
    never seen in training. The losses need probabilities for values never seen: the
    unigram is add-one smoothed, and the bigram and trigram are Witten–Bell interpolated
    with the order below (weight c(context) / (c(context) + distinct successors)), a
    standard smoothing with nothing tuned, so their losses are fair bars to clear.
    """
    n = len(vocab)
    uni = np.zeros(n)
    big = np.zeros((n, n))
    tri: dict[tuple[int, int], dict[int, int]] = {}
    for segment in train_segments:
        ids = vocab.encode(segment)
        np.add.at(uni, ids, 1)
        if len(ids) > 1:
            np.add.at(big, (ids[:-1], ids[1:]), 1)
        for a, b, c in zip(ids, ids[1:], ids[2:]):
            follow = tri.setdefault((a, b), {})
            follow[c] = follow.get(c, 0) + 1
    uni_p = (uni + 1) / (uni.sum() + n)
    follows = big.sum(axis=1, keepdims=True)
    kinds = (big > 0).sum(axis=1, keepdims=True)
    weight = np.divide(follows, follows + kinds, out=np.zeros_like(follows), where=follows > 0)
    big_ml = np.divide(big, follows, out=np.zeros_like(big), where=follows > 0)
    big_p = weight * big_ml + (1 - weight) * uni_p
    uni_pick = int(uni.argmax())
    big_pick = np.where(follows[:, 0] > 0, big.argmax(axis=1), uni_pick)

    y = seqs.y[seqs.mask]
    prev1 = seqs.x[seqs.mask]
    before = np.concatenate([np.full((len(seqs.x), 1), ZERO, np.int32), seqs.x[:, :-1]], axis=1)
    prev2 = before[seqs.mask]
    has1 = prev1 >= 0
    p_uni = uni_p[y]
    p_big = np.where(has1, big_p[np.maximum(prev1, 0), y], p_uni)
    pred_big = np.where(has1, big_pick[np.maximum(prev1, 0)], uni_pick)
    p_tri, pred_tri = p_big.copy(), pred_big.copy()
    for t in np.flatnonzero(has1 & (prev2 >= 0)):
        follow = tri.get((int(prev2[t]), int(prev1[t])))
        if follow is None:
            continue
        count, kinds_ab = sum(follow.values()), len(follow)
        p_tri[t] = (follow.get(int(y[t]), 0) + kinds_ab * p_big[t]) / (count + kinds_ab)
        pred_tri[t] = min(follow, key=lambda v: (-follow[v], v))
    return {"unigram": _token_score(p_uni, np.full(len(y), uni_pick), y),
            "bigram": _token_score(p_big, pred_big, y),
            "trigram": _token_score(p_tri, pred_tri, y)}


def _token_score(p: np.ndarray, predictions: np.ndarray, y: np.ndarray) -> Score:
    if not p.size:
        return Score(math.nan, math.nan, 0)
    return Score(float(-np.log(np.clip(p, 1e-7, 1.0)).mean()),
                 float((predictions == y).mean()), int(p.size))


def _score(probs, predictions, seqs: Sequences) -> Score:
    p = np.take_along_axis(probs, seqs.y[..., None], axis=-1)[..., 0][seqs.mask]
    hits = (predictions == seqs.y)[seqs.mask]
    loss = float(-np.log(np.clip(p, 1e-7, 1.0)).mean()) if p.size else math.nan
    return Score(loss, float(hits.mean()) if hits.size else math.nan, int(p.size))


def addk_baselines(train_segments, seqs: Sequences, vocab: Vocabulary,
                   k: float = 0.1) -> dict[str, Score]:
    """Unigram, bigram and trigram with add-``k`` smoothing: ``(count(h, v) + k) /
    (count(h) + k·V)`` for a history ``h`` (none, the value before, the two before),
    scored on the tokens of ``seqs`` as :func:`baselines` scores them (a token with
    fewer values before it uses the shorter history). Predictions are the most frequent
    successor, the shorter history's where ``h`` was never seen in training."""
    n = len(vocab)
    counts = [dict(), dict(), dict()]  # history tuple -> {value: count}
    for segment in train_segments:
        ids = vocab.encode(segment)
        for t, v in enumerate(ids):
            for order in range(3):
                if t >= order:
                    follow = counts[order].setdefault(tuple(ids[t - order:t]), {})
                    follow[v] = follow.get(v, 0) + 1
    y = seqs.y[seqs.mask]
    prev1 = seqs.x[seqs.mask]
    before = np.concatenate([np.full((len(seqs.x), 1), ZERO, np.int32), seqs.x[:, :-1]], axis=1)
    prev2 = before[seqs.mask]
    out = {}
    for order, name in enumerate(("unigram", "bigram", "trigram")):
        p = np.zeros(len(y))
        pred = np.zeros(len(y), np.int64)
        for t in range(len(y)):
            history = [int(prev2[t]), int(prev1[t])][2 - order:] if order else []
            while history and history[0] < 0:
                history = history[1:]  # fewer values before this token
            h = tuple(history)
            follow = counts[len(h)].get(h, {})
            p[t] = (follow.get(int(y[t]), 0) + k) / (sum(follow.values()) + k * n)
            while not follow and h:
                h = h[1:]
                follow = counts[len(h)].get(h, {})
            pred[t] = min(follow, key=lambda v: (-follow[v], v)) if follow else 0
        out[name] = _token_score(p, pred, y)
    return out
