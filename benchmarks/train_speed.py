"""Training speed: the seeds' unrolled ``djmodel`` graph vs our training path, same data.

Both train for the same number of epochs (default 100) on the default corpus's stride-1
training windows (the split ``improv train`` makes with its defaults), with the same
Adam settings and batch size, in one process, one after the other. Our path is
:func:`improv.learning.training.fit` (scan graph over index inputs, one compiled train step,
validation loss every epoch, early stopping off so every epoch runs); the baseline is
``djmodel`` compiled with Keras and fed one-hot X, a0, c0 and list(Y) through
``model.fit``, as the seeds train it. Timings include the first epoch (tracing) because
a user waits for it too; the steady per-epoch time is printed beside it.

    .venv/bin/python benchmarks/train_speed.py [--epochs 100] [--repeats 3] [--corpus FILE]
        [--baseline-batch-size 32]

At Weimar scale (the shipped wjazzd model: conditioned, its size) the seeds' one-hot X
of every window would not fit in memory (190,000 windows x 30 x 1,900 floats = 44 GB),
so both train on the same random ``--windows`` of them, and the figure is values
(window positions) per second:

    .venv/bin/python benchmarks/train_speed.py --corpus ../shared/corpus/wjazzd \
        --features context --n-a 64 --windows 8000 --epochs 3 --repeats 1

The CPU is shared, so figures are noisy: repeats give a median and the spread.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from improv.commands.making.train import default_corpus  # noqa: E402
from improv.learning import dataset  # noqa: E402
from improv.learning import training as train  # noqa: E402


class EpochClock:
    """Wall-clock time at the end of each epoch (a Keras callback, built lazily)."""

    def __new__(cls):
        import keras

        class _Clock(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.ends = []

            def on_epoch_end(self, epoch, logs=None):
                self.ends.append(time.perf_counter())

        return _Clock()


def time_ours(data, epochs, batch_size, seed, n_a, n_features):
    """(seconds training, steady seconds per epoch, final loss, seconds scoring). The
    held-out scoring that ends each epoch is left out of the first two (the baseline has
    none): it is timed apart."""
    from improv.model.graph import build_layers

    train.seed_everything(seed)
    layers = build_layers(len(data.vocab), n_a, n_features)
    result = train.fit(layers, data, epochs, batch_size, patience=0, seed=seed, verbose=0)
    trained = [row["train_seconds"] for row in result.history]
    steady = statistics.median(trained[1:]) if len(trained) > 1 else trained[0]
    training = sum(trained)  # the first epoch's tracing and compiling included
    scoring = sum(row["score_seconds"] for row in result.history)
    return training, steady, result.history[-1]["loss"], scoring


def time_unrolled(data, epochs, batch_size, seed, n_a, n_features):

    from improv.model.graph import build_layers, djmodel

    train.seed_everything(seed)
    n = len(data.vocab)
    layers = build_layers(n, n_a, n_features)
    tx = data.windows.x.shape[1]
    model = djmodel(layers, tx)
    model.compile(optimizer=train.make_optimizer(), loss="categorical_crossentropy")
    X, Y = dataset.seed_arrays(data.windows, n)
    if n_features:  # the context as the multi-hot tail of each step's input
        f = data.windows.f.astype(np.int64)
        context = np.zeros(f.shape[:2] + (n_features,), np.float32)
        np.put_along_axis(context, f, 1.0, axis=2)
        X = np.concatenate([X, context], axis=2)
    zeros = np.zeros((len(X), layers.n_a), np.float32)
    clock = EpochClock()
    start = time.perf_counter()
    history = model.fit([X, zeros, zeros], list(Y), epochs=epochs, batch_size=batch_size,
                        verbose=0, callbacks=[clock])
    total = time.perf_counter() - start
    steady = (clock.ends[-1] - clock.ends[0]) / max(1, len(clock.ends) - 1)
    # Keras sums the Tx per-step losses; report the per-token mean like ours
    return total, steady, history.history["loss"][-1] / tx


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=[str(default_corpus())])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3, help="runs of our path (median)")
    parser.add_argument("--baseline-repeats", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--baseline-batch-size", type=int,
                        help="batch size of the unrolled graph (default: --batch-size; the "
                             "seeds used Keras' default, 32)")
    parser.add_argument("--tx", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--features", choices=("none", "context"), default="none")
    parser.add_argument("--n-a", type=int, default=64)
    parser.add_argument("--windows", type=int, help="train both on this many random windows")
    args = parser.parse_args(argv)

    from improv.language import context

    pieces, corpus, contexts = train.load_corpus(args.corpus)
    n_features = context.N_FEATURES_V3 if args.features == "context" else 0
    data = train.prepare(pieces, args.tx, corpus=corpus,
                         contexts=contexts if n_features else None)
    if args.windows and args.windows < len(data.windows):
        pick = np.sort(np.random.default_rng(args.seed).choice(len(data.windows), args.windows,
                                                                replace=False))
        w = data.windows
        data = dataclasses.replace(data, windows=dataset.Windows(
            w.x[pick], w.y[pick], None if w.f is None else w.f[pick]))
    n = len(data.vocab)
    per_run = len(data.windows) * args.tx * args.epochs
    print(f"data: {len(data.windows)} windows x Tx={args.tx}, n_values={n}, features "
          f"{n_features}, n_a {args.n_a}, batch {args.batch_size}, {args.epochs} epochs")

    ours = [time_ours(data, args.epochs, args.batch_size, args.seed, args.n_a, n_features)
            for _ in range(args.repeats)]
    ours_t = [t for t, _, _, _ in ours]
    ours_steady = statistics.median(s for _, s, _, _ in ours)
    per_epoch = len(data.windows) * args.tx
    print(f"ours (scan graph, index inputs):  median {statistics.median(ours_t):6.2f} s  "
          f"min {min(ours_t):.2f}  max {max(ours_t):.2f}  over {len(ours_t)} runs "
          f"(steady {ours_steady * 1000:.0f} ms/epoch: {per_epoch / ours_steady:,.0f} values/s; "
          f"all epochs {per_run / statistics.median(ours_t):,.0f} values/s); held-out scoring "
          f"after each epoch, not counted: {statistics.median(c for *_, c in ours):.1f} s; "
          f"final train loss {ours[-1][2]:.3f}", flush=True)

    base_batch = args.baseline_batch_size or args.batch_size
    base = [time_unrolled(data, args.epochs, base_batch, args.seed, args.n_a, n_features)
            for _ in range(args.baseline_repeats)]
    base_t = [t for t, _, _ in base]
    print(f"seeds' unrolled djmodel (Keras fit, batch {base_batch}): median {statistics.median(base_t):6.2f} s  "
          f"(steady {statistics.median(s for _, s, _ in base) * 1000:.0f} ms/epoch: "
          f"{per_epoch / statistics.median(s for _, s, _ in base):,.0f} values/s; all epochs "
          f"{per_run / statistics.median(base_t):,.0f} values/s) over {len(base_t)} runs; "
          f"final train loss {base[-1][2]:.3f}", flush=True)
    ratio = statistics.median(base_t) / statistics.median(ours_t)
    print(f"steady epoch ratio unrolled / ours: "
          f"{statistics.median(s for _, s, _ in base) / ours_steady:.1f}x")
    goal_time = statistics.median(ours_t) <= 15.0
    print(f"ratio unrolled / ours: {ratio:.1f}x  (goals: ours <= 15 s {'met' if goal_time else 'MISSED'}, "
          f">= 3x {'met' if ratio >= 3 else 'MISSED'}); shared CPU: figures are noisy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
