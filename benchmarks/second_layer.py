"""Would a second LSTM layer help? The shipped model's recipe, trained with one layer and
with two, scored on the same held-out solos.

Issue 20 asks the model to grow only where the held-out loss says so. The shipped
soloist is one ``LSTM_cell`` (n_a 64) and ``densor``; a larger n_a already lost
(data/README). This trains, on the same corpus, split, context inputs and schedule as
``improv train`` (Adam 0.01 divided by ``--lr-decay`` after each epoch, batches of 256,
``--patience``), each of:

``one``      the shipped structure: ``LSTM_cell`` -> ``densor``;
``stacked``  a second LSTM (``LSTM_cell_2``, its own a and c) reads ``LSTM_cell``'s a
             at every step, and ``densor`` reads the second's a;
``skip``     the same two layers, ``densor`` reading both layers' a side by side (the
             first layer's path to the output is kept, the second adds to it).

and prints each one's held-out loss (nats per value) and accuracy, the training
windows' loss, the epoch kept, the parameters and the seconds, beside the n-gram
baselines. The layers stay shared across steps as in the seeds; only the training
graph is written here (``improv`` plays one layer).

    python benchmarks/second_layer.py [--corpus DIR] [--variants one,stacked,skip]
        [--epochs 3] [--lr-decay 10] [--patience 1] [--n-a 64] [--seed 0] [--json FILE]

Needs the ``train`` extra (TensorFlow) and the corpus: about 5 minutes a variant for
the Weimar solos on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

VARIANTS = ("one", "stacked", "skip")
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "wjazzd"


class TwoLayers:
    """``LSTM_cell`` (input: the value and its context), ``LSTM_cell_2`` (input: the first
    layer's a) and ``densor``; ``skip``: the densor reads both layers' a."""

    def __init__(self, n_values: int, n_features: int, n_a: int, skip: bool):
        from improv.model.graph import keras

        self.n_values, self.n_features, self.n_a, self.skip = n_values, n_features, n_a, skip
        self.lstm_cell = keras.layers.LSTM(n_a, return_state=True, name="LSTM_cell")
        self.lstm_cell_2 = keras.layers.LSTM(n_a, return_state=True, name="LSTM_cell_2")
        self.densor = keras.layers.Dense(n_values, activation="softmax", name="densor")
        self.lstm_cell.build((None, 1, n_values + n_features))
        self.lstm_cell_2.build((None, 1, n_a))
        self.densor.build((None, 2 * n_a if skip else n_a))

    @property
    def variables(self) -> list:
        first, second = self.lstm_cell.cell, self.lstm_cell_2.cell
        return [first.kernel, first.recurrent_kernel, first.bias,
                second.kernel, second.recurrent_kernel, second.bias,
                self.densor.kernel, self.densor.bias]


def two_layer_logits(layers: TwoLayers, x_ids, f_ids=None):
    """Logits (B, T, n_values) from a0 = c0 = 0 in both layers; index -1 is the zero
    input. The first layer's input product is a row lookup, as in
    :func:`improv.model.graph.sequence_logits`."""
    from improv.model.graph import input_products, lstm_update, tf

    first, second = layers.lstm_cell.cell, layers.lstm_cell_2.cell
    xw = input_products(first, layers.n_values, x_ids, f_ids)
    zeros = tf.zeros((tf.shape(xw)[0], layers.n_a), xw.dtype)

    def step(state, xw_t):
        a1, c1, a2, c2 = state
        a1, c1 = lstm_update(xw_t + tf.matmul(a1, first.recurrent_kernel), c1)
        a2, c2 = lstm_update(tf.matmul(a1, second.kernel) + tf.matmul(a2, second.recurrent_kernel)
                             + second.bias, c2)
        return a1, c1, a2, c2

    a1s, _, a2s, _ = tf.scan(step, tf.transpose(xw, [1, 0, 2]),
                             initializer=(zeros, zeros, zeros, zeros))
    out = tf.concat([a1s, a2s], -1) if layers.skip else a2s
    return tf.tensordot(tf.transpose(out, [1, 0, 2]), layers.densor.kernel, axes=1) \
        + layers.densor.bias


def build(variant: str, n_values: int, n_features: int, n_a: int):
    """(layers, forward) for a variant; forward None is improv's own graph."""
    if variant == "one":
        from improv.model.graph import build_layers

        return build_layers(n_values, n_a, n_features), None
    return TwoLayers(n_values, n_features, n_a, skip=variant == "skip"), two_layer_logits


def train_variant(variant: str, data, n_features: int, args) -> dict:
    """Fit one variant from the same seed; its figures."""
    from improv.learning import training

    training.seed_everything(args.seed)
    layers, forward = build(variant, len(data.vocab), n_features, args.n_a)
    result = training.fit(layers, data, args.epochs, args.batch_size, args.patience, args.seed,
                          verbose=args.verbose, lr_decay=args.lr_decay, forward=forward)
    metrics = training.evaluate(layers, data, forward=forward)
    return {"variant": variant, "parameters": int(sum(np.prod(v.shape) for v in layers.variables)),
            "best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
            "seconds": round(result.seconds, 1),
            "history": [{k: round(v, 4) for k, v in row.items()} for row in result.history],
            "metrics": metrics}


def table(rows: list[dict]) -> str:
    lines = [f"{'variant':<10}{'params':>9}{'kept':>6}{'held-out':>10}{'acc':>8}"
             f"{'train':>8}{'seconds':>9}"]
    for r in rows:
        m = r["metrics"]
        lines.append(f"{r['variant']:<10}{r['parameters']:>9}{r['best_epoch']:>6}"
                     f"{m['validation']['loss']:>10.3f}{m['validation']['accuracy'] * 100:>7.1f}%"
                     f"{m['train']['loss']:>8.3f}{r['seconds']:>9.0f}")
    if rows:
        m = rows[0]["metrics"]
        for name in ("bigram", "trigram"):
            if name in m:
                lines.append(f"{name:<10}{'':>9}{'':>6}{m[name]['loss']:>10.3f}"
                             f"{m[name]['accuracy'] * 100:>7.1f}%")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr-decay", type=float, default=10.0)
    parser.add_argument("--patience", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--n-a", type=int, default=64)
    parser.add_argument("--tx", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write every variant's figures here")
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        print(f"second_layer.py: unknown variant {unknown[0] if unknown else '(none)'!r}: "
              f"choose from {', '.join(VARIANTS)}", file=sys.stderr)
        return 2
    if not Path(args.corpus).exists():
        print(f"second_layer.py: no corpus at {args.corpus}: pass --corpus DIR (the Weimar "
              f"CSV folder)", file=sys.stderr)
        return 2
    from improv.language import context
    from improv.learning import training

    pieces, corpus, contexts = training.load_corpus([args.corpus])
    data = training.prepare(pieces, args.tx, 0.15, args.seed, 8, corpus, "auto", contexts)
    print(f"{len(corpus)} pieces, {len(data.vocab)} values, {len(data.windows)} training "
          f"windows, {data.validation.tokens} held-out values", flush=True)
    rows = []
    for variant in variants:
        started = time.perf_counter()
        print(f"--- {variant}", flush=True)
        rows.append(train_variant(variant, data, context.N_FEATURES_V3, args))
        print(f"{variant}: {time.perf_counter() - started:.0f} s", flush=True)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
