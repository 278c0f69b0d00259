"""Fitting the shared-layer LSTM to tokenised MIDI files (``improv train`` runs it).

Adam (lr 0.01, β1 0.9, β2 0.999) on categorical cross-entropy over every stride-1
window of ``--tx`` values, with whole blocks of bars held out for validation. Each epoch
ends with the validation loss; training stops when it has not improved for
``--patience`` epochs and the best epoch's weights are kept (the corpus is one solo, so
the model starts memorising within a few dozen epochs: the held-out loss, not the
training loss, says when the model generalises best). The closing table sets the
held-out loss and accuracy beside the unigram and bigram baselines on the same tokens.

Speed: the train step is one XLA-compiled function of index windows (see
:func:`improv.model.graph.sequence_logits`); batches are evened out and padded with weight-0
rows so XLA compiles a single shape. ``benchmarks/train_speed.py`` compares it with the
seeds' unrolled graph.

Same ``--seed`` → same weights on CPU: Keras' global seed sets the initial weights,
a numpy generator the batch order and the validation split, and TensorFlow's op
determinism the arithmetic.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from improv import __version__
from improv.errors import CorpusError, UsageError
from improv.learning import dataset

log = logging.getLogger(__name__)

LEARNING_RATE, BETA_1, BETA_2 = 0.01, 0.9, 0.999


# --- data -------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Data:
    """Everything training needs, from the corpus values alone (no TensorFlow)."""

    vocab: object
    split: dataset.Split
    windows: dataset.Windows
    validation: dataset.Sequences
    corpus: tuple = ()  # one dict per file: file, sha256, melody_track, chord_tracks


HOLD_OUT = ("auto", "blocks", "pieces")
MIN_PIECES_TO_HOLD_OUT = 5  # "auto" holds out whole pieces from this many on


def prepare(pieces_bars, tx: int, val_share: float = 0.15, seed: int = 0,
            block_bars: int = 8, corpus=(), hold_out: str = "auto") -> Data:
    """Vocabulary, split and windows; every way the corpus can be too small is a UsageError.

    ``hold_out``: "blocks" of ``block_bars`` bars, whole "pieces" (solos), or "auto":
    pieces when there are ``MIN_PIECES_TO_HOLD_OUT`` or more."""
    values = [v for bars in pieces_bars for bar in bars for v in bar]
    if not values:
        raise CorpusError("the corpus holds no melody values: give MIDI files with a melody")
    if len(values) < tx + 1:
        raise CorpusError(f"the corpus holds {len(values)} values but --tx {tx} needs at least "
                          f"{tx + 1}: add MIDI files or lower --tx")
    vocab = dataset.build_vocabulary(values)
    if hold_out == "auto":
        hold_out = "pieces" if len(pieces_bars) >= MIN_PIECES_TO_HOLD_OUT else "blocks"
    if hold_out == "pieces":
        split = dataset.split_pieces(pieces_bars, val_share, seed)
    else:
        split = dataset.split_bars(pieces_bars, val_share, seed, block_bars)
    win = dataset.windows(split.train, vocab, tx)
    if len(win) == 0:
        raise CorpusError(f"after holding out validation bars no training run holds --tx {tx} "
                          f"values: lower --tx, lower --val-share or add MIDI files")
    val = dataset.sequences(split.validation, vocab)
    if val.tokens == 0:
        raise CorpusError("the validation bars hold no values: raise --val-share or add MIDI files")
    return Data(vocab, split, win, val, tuple(corpus))


def corpus_pieces(paths, melody_track=None, chord_tracks=None, cache=True):
    """Every Piece of ``paths``: MIDI files, Weimar solos (``melody/NAME.csv``) or a
    Weimar folder (all its solos)."""
    from improv.learning import wjd
    from improv.learning.corpus import load_piece

    for path in map(Path, paths):
        if path.is_dir() and wjd.is_folder(path):
            yield from (wjd.load_solo_piece(p, cache) for p in wjd.solo_paths(path))
        elif path.suffix.lower() == ".csv":
            yield wjd.load_solo_piece(path, cache)
        else:
            yield load_piece(path, melody_track=melody_track, chord_tracks=chord_tracks,
                             cache=cache)


def load_corpus(paths, melody_track=None, chord_tracks=None, cache=True):
    """(bars per piece, one dict per piece: file name, sha256, the tracks used)."""
    pieces, corpus = [], []
    for piece in corpus_pieces(paths, melody_track, chord_tracks, cache):
        path = piece.source
        if not piece.values():
            raise CorpusError(f"{path} has no melody values: give a MIDI file with a melody")
        pieces.append([bar.values for bar in piece.bars])
        corpus.append({"file": Path(path).name, "sha256": piece.sha256,
                       "melody_track": piece.melody_track,
                       "chord_tracks": list(piece.chord_tracks)})
    return pieces, corpus


# --- training ---------------------------------------------------------------------------

@dataclass
class FitResult:
    epochs_run: int = 0
    best_epoch: int = 0
    history: list = field(default_factory=list)  # per epoch: loss, accuracy, val_loss, val_accuracy
    seconds: float = 0.0


def seed_everything(seed: int) -> None:
    from improv.model.graph import keras, tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def make_train_step(layers, optimizer, jit_compile: bool = True):
    """A compiled step: forward with :func:`improv.model.graph.sequence_logits`, categorical
    cross-entropy (from logits: the stable form of the softmax loss), Adam update.

    ``w`` (B,) weighs each window 1 or 0, so a short last batch can be padded to the
    common size and XLA compiles one shape only; the loss is the mean over real windows.
    """
    import tensorflow as tf

    from improv.model.graph import sequence_logits

    variables = layers.variables
    spec = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[spec, spec, tf.TensorSpec([None], tf.float32)],
                 jit_compile=jit_compile)
    def step(x, y, w):
        weights = w[:, None] * tf.ones_like(y, tf.float32)
        total = tf.reduce_sum(weights)
        with tf.GradientTape() as tape:
            logits = sequence_logits(layers, x)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)
            loss = tf.reduce_sum(ce * weights) / total
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        hits = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), y), tf.float32)
        return loss, tf.reduce_sum(hits * weights) / total

    return step


def batch_plan(m: int, batch_size: int) -> tuple[int, int]:
    """(batches, size): the fewest batches of at most ``batch_size``, all padded to one
    size (1139 windows at 256 → 5 batches of 228, the last holding 227 real windows)."""
    batches = max(1, math.ceil(m / batch_size))
    return batches, math.ceil(m / batches)


def make_optimizer():
    import keras

    return keras.optimizers.Adam(learning_rate=LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2)


def fit(layers, data: Data, epochs: int, batch_size: int = 256, patience: int = 10,
        seed: int = 0, verbose: int = 1, jit_compile: bool = True) -> FitResult:
    """Train ``layers`` in place; with ``patience`` > 0, stop early and keep the best."""
    import keras

    from improv.model.graph import get_weights, set_weights

    optimizer = make_optimizer()
    step = make_train_step(layers, optimizer, jit_compile)
    predict = make_predict(layers, jit_compile=jit_compile)
    rng = np.random.default_rng(seed)
    x_all, y_all = data.windows.x, data.windows.y
    m = len(x_all)
    batches, size = batch_plan(m, batch_size)
    pad = batches * size - m
    weight = np.concatenate([np.ones(m, np.float32), np.zeros(pad, np.float32)])
    result, best_loss, best = FitResult(), math.inf, None
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        if verbose:
            print(f"Epoch {epoch}/{epochs}", flush=True)
        bar = keras.utils.Progbar(batches, verbose=verbose,
                                  stateful_metrics=["val_loss", "val_accuracy"]) if verbose else None
        # padding rows (weight 0) repeat real windows, so their arithmetic is ordinary
        order = np.concatenate([rng.permutation(m), np.arange(pad) % m])
        losses, hits = [], []
        for b in range(batches):
            take = order[b * size:(b + 1) * size]
            loss, acc = step(x_all[take], y_all[take], weight[b * size:(b + 1) * size])
            real = float(weight[b * size:(b + 1) * size].sum())
            losses.append(float(loss) * real)
            hits.append(float(acc) * real)
            if bar is not None and b < batches - 1:
                bar.update(b + 1, [("loss", float(loss)), ("accuracy", float(acc))])
        val = dataset.score_probabilities(predict(data.validation.x), data.validation)
        row = {"loss": sum(losses) / m, "accuracy": sum(hits) / m,
               "val_loss": val.loss, "val_accuracy": val.accuracy}
        result.history.append(row)
        result.epochs_run = epoch
        if bar is not None:
            bar.update(batches, [("loss", float(loss)), ("accuracy", float(acc)),
                                 ("val_loss", val.loss), ("val_accuracy", val.accuracy)])
        if not math.isfinite(row["loss"]):
            raise UsageError(f"training diverged at epoch {epoch} (loss {row['loss']}): "
                             f"try another --seed or a larger --batch-size")
        if val.loss < best_loss:
            best_loss, best, result.best_epoch = val.loss, get_weights(layers), epoch
        elif patience and epoch - result.best_epoch >= patience:
            if verbose:
                print(f"Early stop: no better validation loss for {patience} epochs; keeping "
                      f"epoch {result.best_epoch}", flush=True)
            break
    if patience and best is not None:
        set_weights(layers, best)
    else:
        result.best_epoch = result.epochs_run
    result.seconds = time.perf_counter() - started
    return result


def make_predict(layers, batch: int = 1024, jit_compile: bool = False):
    """numpy in, probabilities (B, T, n) out, through one compiled forward graph."""
    import tensorflow as tf

    from improv.model.graph import sequence_logits

    spec = tf.TensorSpec([None, None], tf.int32)
    forward = tf.function(lambda x: tf.nn.softmax(sequence_logits(layers, x), -1),
                          input_signature=[spec], jit_compile=jit_compile)

    def predict(x):
        return np.concatenate([forward(x[i:i + batch]).numpy() for i in range(0, len(x), batch)])

    return predict


def score_in_batches(predict, seqs: dataset.Sequences, batch: int = 512) -> dataset.Score:
    """:func:`dataset.score_probabilities` a batch at a time: the probabilities of every
    window at once (windows x Tx x values) outgrow memory on a corpus of hundreds of
    solos (300,000 windows of 30 over 1,800 values would be 66 GB)."""
    nll = hits = tokens = 0.0
    for i in range(0, len(seqs.x), batch):
        part = dataset.Sequences(seqs.x[i:i + batch], seqs.y[i:i + batch], seqs.mask[i:i + batch])
        score = dataset.score_probabilities(predict(part.x), part)
        if score.tokens:
            nll += score.loss * score.tokens
            hits += score.accuracy * score.tokens
            tokens += score.tokens
    if not tokens:
        return dataset.Score(math.nan, math.nan, 0)
    return dataset.Score(nll / tokens, hits / tokens, int(tokens))


def evaluate(layers, data: Data) -> dict:
    """Final figures: training windows and held-out tokens, with both baselines."""
    predict = make_predict(layers)
    win = data.windows
    train_seqs = dataset.Sequences(win.x, win.y, np.ones(win.y.shape, bool))
    scores = {"train": score_in_batches(predict, train_seqs),
              "validation": score_in_batches(predict, data.validation)}
    scores.update(dataset.baselines(data.split.train, data.validation, data.vocab))
    return {k: {"loss": round(s.loss, 4), "accuracy": round(s.accuracy, 4), "tokens": s.tokens}
            for k, s in scores.items()}


def render_metrics(metrics: dict) -> str:
    lines = [f"{'':<22}{'loss':>8}{'accuracy':>10}{'tokens':>9}"]
    names = {"train": "train (windows)", "validation": "held-out (model)",
             "unigram": "held-out unigram", "bigram": "held-out bigram"}
    for key, label in names.items():
        s = metrics[key]
        lines.append(f"{label:<22}{s['loss']:>8.3f}{s['accuracy'] * 100:>9.1f}%{s['tokens']:>9}")
    return "\n".join(lines)


def versions() -> dict:
    import keras
    import tensorflow as tf

    return {"improv": __version__, "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "python": sys.version.split()[0]}
