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

    @property
    def conditioned(self) -> bool:
        """Whether each value comes with its context (a conditioned model's data)."""
        return self.windows.f is not None


HOLD_OUT = ("auto", "blocks", "pieces")
MIN_PIECES_TO_HOLD_OUT = 5  # "auto" holds out whole pieces from this many on


def prepare(pieces_bars, tx: int, val_share: float = 0.15, seed: int = 0,
            block_bars: int = 8, corpus=(), hold_out: str = "auto", contexts=None,
            order=None) -> Data:
    """Vocabulary, split and windows; every way the corpus can be too small is a UsageError.

    ``hold_out``: "blocks" of ``block_bars`` bars, whole "pieces" (solos), or "auto":
    pieces when there are ``MIN_PIECES_TO_HOLD_OUT`` or more. ``contexts`` (shaped as
    ``pieces_bars``, each value's feature indices) makes the data of a conditioned
    model: split the same way, so each value keeps its context. ``order``: the
    vocabulary's sort key for words other than grammar values (the bass's)."""
    values = [v for bars in pieces_bars for bar in bars for v in bar]
    if not values:
        raise CorpusError("the corpus holds no melody values: give MIDI files with a melody")
    if len(values) < tx + 1:
        raise CorpusError(f"the corpus holds {len(values)} values but --tx {tx} needs at least "
                          f"{tx + 1}: add MIDI files or lower --tx")
    vocab = dataset.build_vocabulary(values, order)
    if hold_out == "auto":
        hold_out = "pieces" if len(pieces_bars) >= MIN_PIECES_TO_HOLD_OUT else "blocks"
    def split_of(items):
        if hold_out == "pieces":
            return dataset.split_pieces(items, val_share, seed)
        return dataset.split_bars(items, val_share, seed, block_bars)

    split = split_of(pieces_bars)
    # the split depends only on the bar counts, so the contexts split exactly alike
    held = split_of(contexts) if contexts is not None else None
    win = dataset.windows(split.train, vocab, tx, None if held is None else held.train)
    if len(win) == 0:
        raise CorpusError(f"after holding out validation bars no training run holds --tx {tx} "
                          f"values: lower --tx, lower --val-share or add MIDI files")
    val = dataset.scored_windows(split.validation, vocab, tx,
                                 None if held is None else held.validation)
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
    """(bars per piece, one dict per piece: file name, sha256, the tracks used, the
    context of every value: per piece, per bar, as the bars)."""
    from improv.learning.contexts import piece_contexts

    pieces, corpus, contexts = [], [], []
    for piece in corpus_pieces(paths, melody_track, chord_tracks, cache):
        path = piece.source
        if not piece.values():
            raise CorpusError(f"{path} has no melody values: give a MIDI file with a melody")
        pieces.append([bar.values for bar in piece.bars])
        contexts.append(piece_contexts(piece))
        corpus.append({"file": Path(path).name, "sha256": piece.sha256,
                       "melody_track": piece.melody_track,
                       "chord_tracks": list(piece.chord_tracks)})
    return pieces, corpus, contexts


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


def make_train_step(layers, optimizer, jit_compile: bool = True, forward=None):
    """A compiled step: forward with ``forward(layers, x, f)`` (by default
    :func:`improv.model.graph.sequence_logits`), categorical cross-entropy (from logits:
    the stable form of the softmax loss), Adam update on ``layers.variables``.

    ``w`` (B,) weighs each window 1 or 0, so a short last batch can be padded to the
    common size and XLA compiles one shape only; the loss is the mean over real windows.
    """
    import tensorflow as tf

    from improv.model.graph import sequence_logits

    forward = forward or sequence_logits
    variables = layers.variables
    spec = tf.TensorSpec([None, None], tf.int32)
    f_spec = tf.TensorSpec([None, None, None], tf.int32)

    @tf.function(input_signature=[spec, f_spec, spec, tf.TensorSpec([None], tf.float32)],
                 jit_compile=jit_compile)
    def step(x, f, y, w):
        weights = w[:, None] * tf.ones_like(y, tf.float32)
        total = tf.reduce_sum(weights)
        with tf.GradientTape() as tape:
            logits = forward(layers, x, f)
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


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def fit(layers, data: Data, epochs: int, batch_size: int = 256, patience: int = 10,
        seed: int = 0, verbose: int = 1, jit_compile: bool = True,
        time_limit: float | None = None, lr_decay: float = 1.0, forward=None) -> FitResult:
    """Train ``layers`` in place; with ``patience`` > 0, stop early and keep the best.

    ``time_limit`` (seconds): start no epoch that would end after it, judged by the
    epochs so far. ``lr_decay``: the learning rate is divided by it after every epoch
    (each epoch refines the last in smaller steps). Each epoch ends with a line of the
    time spent and left. ``forward``: the graph trained (see :func:`make_train_step`);
    ``layers`` need only hold its ``variables``."""
    import keras

    optimizer = make_optimizer()
    step = make_train_step(layers, optimizer, jit_compile, forward)
    predict = make_predict(layers, jit_compile=jit_compile, forward=forward)
    rng = np.random.default_rng(seed)
    x_all, y_all = data.windows.x, data.windows.y
    f_all = data.windows.f if data.windows.f is not None else np.zeros((len(x_all), 1, 0), np.int16)
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
        epoch_start = time.perf_counter()
        # padding rows (weight 0) repeat real windows, so their arithmetic is ordinary
        order = np.concatenate([rng.permutation(m), np.arange(pad) % m])
        losses, hits = [], []
        for b in range(batches):
            take = order[b * size:(b + 1) * size]
            loss, acc = step(x_all[take], f_all[take].astype(np.int32), y_all[take],
                             weight[b * size:(b + 1) * size])
            real = float(weight[b * size:(b + 1) * size].sum())
            losses.append(float(loss) * real)
            hits.append(float(acc) * real)
            if bar is not None and b < batches - 1:
                bar.update(b + 1, [("loss", float(loss)), ("accuracy", float(acc))])
        trained_at = time.perf_counter()
        if lr_decay != 1.0:
            optimizer.learning_rate.assign(float(optimizer.learning_rate.numpy()) / lr_decay)
        val = score_in_batches(predict, data.validation)
        row = {"loss": sum(losses) / m, "accuracy": sum(hits) / m,
               "val_loss": val.loss, "val_accuracy": val.accuracy,
               "train_seconds": trained_at - epoch_start,
               "score_seconds": time.perf_counter() - trained_at}
        result.history.append(row)
        result.epochs_run = epoch
        if bar is not None:
            bar.update(batches, [("loss", float(loss)), ("accuracy", float(acc)),
                                 ("val_loss", val.loss), ("val_accuracy", val.accuracy)])
        if not math.isfinite(row["loss"]):
            raise UsageError(f"training diverged at epoch {epoch} (loss {row['loss']}): "
                             f"try another --seed or a larger --batch-size")
        if val.loss < best_loss:
            best_loss, best, result.best_epoch = val.loss, _snapshot(layers), epoch
        elif patience and epoch - result.best_epoch >= patience:
            if verbose:
                print(f"Early stop: no better validation loss for {patience} epochs; keeping "
                      f"epoch {result.best_epoch}", flush=True)
            break
        spent = time.perf_counter() - started
        per_epoch = spent / epoch
        left_epochs = epochs - epoch
        if patience:
            left_epochs = min(left_epochs, result.best_epoch + patience - epoch)
        out_of_time = time_limit is not None and spent + per_epoch > time_limit
        if out_of_time:
            left_epochs = 0
        if verbose:
            print(f"epoch {epoch}/{epochs}: loss {row['loss']:.3f}, held-out "
                  f"{val.loss:.3f} ({val.accuracy * 100:.1f}%), best epoch "
                  f"{result.best_epoch}; {_clock(spent)} spent, at most "
                  f"{_clock(left_epochs * per_epoch)} left", flush=True)
        if out_of_time and epoch < epochs:
            if verbose:
                kept = result.best_epoch if patience else epoch
                print(f"Time limit: another epoch would end after {_clock(time_limit)}; "
                      f"keeping epoch {kept}", flush=True)
            break
    if patience and best is not None:
        for variable, array in zip(layers.variables, best):
            variable.assign(array)
    else:
        result.best_epoch = result.epochs_run
    result.seconds = time.perf_counter() - started
    return result


def _snapshot(layers) -> list:
    """Copies of the trained variables, to restore the best epoch's."""
    return [np.array(v.numpy()) for v in layers.variables]


def make_predict(layers, batch: int = 1024, jit_compile: bool = False, forward=None):
    """numpy in (value indices (B, T), and for a conditioned model their contexts
    (B, T, groups)), probabilities (B, T, n) out, through one compiled forward graph."""
    import tensorflow as tf

    from improv.model.graph import sequence_logits

    forward = forward or sequence_logits
    spec = tf.TensorSpec([None, None], tf.int32)
    f_spec = tf.TensorSpec([None, None, None], tf.int32)
    probabilities = tf.function(lambda x, f: tf.nn.softmax(forward(layers, x, f), -1),
                                input_signature=[spec, f_spec], jit_compile=jit_compile)

    def predict(x, f=None):
        if f is None:
            f = np.zeros(x.shape + (0,), np.int32)
        return np.concatenate([probabilities(x[i:i + batch],
                                             f[i:i + batch].astype(np.int32)).numpy()
                               for i in range(0, len(x), batch)])

    return predict


def score_in_batches(predict, seqs: dataset.Sequences, batch: int = 512) -> dataset.Score:
    """:func:`dataset.score_probabilities` a batch at a time: the probabilities of every
    window at once (windows x Tx x values) outgrow memory on a corpus of hundreds of
    solos (300,000 windows of 30 over 1,800 values would be 66 GB)."""
    nll = hits = tokens = 0.0
    for i in range(0, len(seqs.x), batch):
        part = seqs.part(i, i + batch)
        score = dataset.score_probabilities(predict(part.x, part.f), part)
        if score.tokens:
            nll += score.loss * score.tokens
            hits += score.accuracy * score.tokens
            tokens += score.tokens
    if not tokens:
        return dataset.Score(math.nan, math.nan, 0)
    return dataset.Score(nll / tokens, hits / tokens, int(tokens))


def evaluate(layers, data: Data, forward=None) -> dict:
    """Final figures: training windows and held-out tokens, with the n-gram baselines."""
    predict = make_predict(layers, forward=forward)
    win = data.windows
    train_seqs = dataset.Sequences(win.x, win.y, np.ones(win.y.shape, bool), win.f)
    scores = {"train": score_in_batches(predict, train_seqs),
              "validation": score_in_batches(predict, data.validation)}
    scores.update(dataset.baselines(data.split.train, data.validation, data.vocab))
    return {k: {"loss": round(s.loss, 4), "accuracy": round(s.accuracy, 4), "tokens": s.tokens}
            for k, s in scores.items()}


def render_metrics(metrics: dict) -> str:
    lines = [f"{'':<22}{'loss':>8}{'accuracy':>10}{'tokens':>9}"]
    names = {"train": "train (windows)", "validation": "held-out (model)",
             "unigram": "held-out unigram", "bigram": "held-out bigram",
             "trigram": "held-out trigram"}
    for key, label in names.items():
        if key not in metrics:
            continue
        s = metrics[key]
        lines.append(f"{label:<22}{s['loss']:>8.3f}{s['accuracy'] * 100:>9.1f}%{s['tokens']:>9}")
    return "\n".join(lines)


def versions() -> dict:
    import keras
    import tensorflow as tf

    return {"improv": __version__, "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "python": sys.version.split()[0]}
