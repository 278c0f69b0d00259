"""``improv train``: fit the LSTM to MIDI files and write a model directory.

The arguments and the report; the work is :mod:`improv.learning.training`'s. Needs
TensorFlow (the ``train`` extra); without it, one line says how to install it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from improv.errors import UsageError
from improv.language import bassvocab, context
from improv.learning import basslines, dataset
from improv.learning.training import (
    BETA_1,
    BETA_2,
    HOLD_OUT,
    LEARNING_RATE,
    MIN_PIECES_TO_HOLD_OUT,
    evaluate,
    fit,
    load_corpus,
    prepare,
    render_metrics,
    seed_everything,
    versions,
)
from improv.model import modelfile
from improv.model.tf_loader import require_tensorflow

FEATURES = ("context", "none")
N_A = 64


def default_corpus() -> Path | None:
    """In a checkout, ../shared's Metheny file; from an installed wheel, none."""
    root = modelfile.checkout()
    return None if root is None else root.parent / "shared" / "corpus" / "original_metheny.mid"


def models_home() -> Path:
    """Where a model goes without --out: the user's data folder, never the shipped models
    (``$XDG_DATA_HOME/improv/models``, by default ``~/.local/share/improv/models``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "improv" / "models"


def default_out(corpus: list[str]) -> Path:
    """``models_home()/NAME``, NAME the first corpus path's stem (``wjazzd``,
    ``original_metheny``); ``--model`` then finds it by that path."""
    name = Path(corpus[0]).stem if corpus else "model"
    return models_home() / (name or "model")


def check_out(out: Path, replace_shipped: bool) -> None:
    """A shipped model is replaced only when asked: it is what every other command plays."""
    shipped = modelfile.models_dir().resolve()
    target = out.expanduser().resolve()
    if (target == shipped or shipped in target.parents) and not replace_shipped:
        raise UsageError(f"--out {out} is a shipped model ({shipped}): pass --replace-shipped "
                         f"to rebuild it, or write to another directory")
    modelfile.check_target(out)


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is less than {low}")
        return value
    return parse


def _int_between(low, high):
    at_least = _int_at_least(low)

    def parse(text):
        value = at_least(text)
        if value > high:
            raise argparse.ArgumentTypeError(f"{value} is more than {high}")
        return value
    return parse


def _sizes(text):
    """``--n-a 64`` or ``--n-a 64,128,256``: the LSTM sizes to try."""
    parse = _int_between(1, modelfile.MAX_N_A)
    try:
        sizes = [parse(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{text!r}: {err}; give sizes like 64 or 64,128") from None
    return sorted(set(sizes))


def _minutes(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of minutes")
    return value


def _share(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 0.5:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 0.5 (e.g. 0.15)")
    return value


def _number_within(low: float, high: float, example: str):
    """A parser of a number from ``low`` to ``high`` inclusive, naming ``example``."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{value} is not between {low:g} and {high:g} (e.g. {example})")
        return value
    return parse


_factor = _number_within(1.0, 1000.0, "10")
_share_of_one = _number_within(0.0, 1.0, "0.5")


def add_arguments(parser) -> None:
    corpus = default_corpus()
    parser.add_argument("--corpus", nargs="+", action="extend", metavar="PATH",
                        help=f"MIDI files, Weimar solos (wjazzd/melody/NAME.csv) or the "
                             f"wjazzd folder to learn from (default: {corpus or 'none'})")
    parser.add_argument("--epochs", type=_int_at_least(1), default=100, metavar="N",
                        help="most epochs to train (default 100)")
    parser.add_argument("--out", metavar="DIR",
                        help=f"model directory to write, replaced atomically (default "
                             f"{models_home()}/NAME, NAME the corpus's: never a shipped model)")
    parser.add_argument("--replace-shipped", action="store_true",
                        help="let --out name a shipped model (data/models/...) and rebuild it")
    parser.add_argument("--seed", type=_int_at_least(0), default=0, metavar="N",
                        help="seed of the initial weights, batch order and validation split "
                             "(default 0)")
    parser.add_argument("--tx", type=_int_between(2, modelfile.MAX_TX), default=30, metavar="N",
                        help="window length in values (default 30)")
    parser.add_argument("--melody-track", metavar="T",
                        help="the melody track, by index (0-based) or name (default: guessed)")
    parser.add_argument("--chord-tracks", metavar="T[,T…]",
                        help="the chord tracks, comma-separated indices or names (default: guessed)")
    parser.add_argument("--val-share", type=_share, default=0.15, metavar="F",
                        help="share of bars held out for validation (default 0.15)")
    parser.add_argument("--block-bars", type=_int_at_least(1), default=8, metavar="N",
                        help="validation is held out in blocks of N consecutive bars (default 8)")
    parser.add_argument("--hold-out", choices=HOLD_OUT, default="auto",
                        help="hold out blocks of bars or whole pieces (solos) for validation "
                             f"(default auto: pieces from {MIN_PIECES_TO_HOLD_OUT} pieces on)")
    parser.add_argument("--patience", type=_int_at_least(0), default=10, metavar="N",
                        help="stop after N epochs without a better validation loss and keep "
                             "the best weights; 0 trains every epoch (default 10)")
    parser.add_argument("--batch-size", type=_int_at_least(1), default=256, metavar="N",
                        help="windows per gradient step (default 256)")
    parser.add_argument("--lr-decay", type=_factor, default=1.0, metavar="F",
                        help="divide the learning rate by F after every epoch (default 1: "
                             "constant; the shipped Weimar model: 10)")
    parser.add_argument("--features", choices=FEATURES, default="context",
                        help="what the model reads beside the previous value: 'context' (the "
                             "chord, its motion, the beat, the metre and the next change) or "
                             "'none' (the seeds' model) (default context)")
    parser.add_argument("--n-a", type=_sizes, default=[N_A], metavar="N[,N…]",
                        help=f"LSTM size; several (e.g. 64,128) trains each and keeps the one "
                             f"with the lowest held-out loss (default {N_A})")
    parser.add_argument("--time-limit", type=_minutes, metavar="MIN",
                        help="minutes of training per size: no epoch starts that would end "
                             "later (default: none)")
    parser.add_argument("--bass", action="store_true",
                        help="train the walking bass on the Weimar beat tables' bass_pitch "
                             "instead (--corpus: the wjazzd folder; see data/README.md)")
    parser.add_argument("--min-root", type=_share_of_one, default=basslines.MIN_SHARE,
                        metavar="F",
                        help=f"--bass: keep solos whose bass, corrected by their commonest "
                             f"interval from the root (a fifth, or a fifth and a semitone), "
                             f"plays the root on at least this share of the written chords "
                             f"(default "
                             f"{basslines.MIN_SHARE})")
    parser.add_argument("--min-changes", type=_int_at_least(1),
                        default=basslines.MIN_CHANGES, metavar="N",
                        help=f"--bass: ... over at least N of them (default "
                             f"{basslines.MIN_CHANGES})")
    parser.add_argument("--max-repeats", type=_int_at_least(0),
                        default=basslines.MAX_REPEATS, metavar="N",
                        help=f"--bass: leave out bars whose bass repeats a pitch more than N "
                             f"times (half and whole notes: not walking; default "
                             f"{basslines.MAX_REPEATS})")
    parser.add_argument("--no-cache", action="store_true",
                        help="parse the MIDI again instead of using the token cache")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")


def run(args) -> int:
    require_tensorflow("training the model")
    if args.bass:
        return run_bass(args)
    paths = args.corpus or []
    if args.out is not None and not args.out.strip():
        raise UsageError("--out is empty: give a directory for the model")
    out = Path(args.out).expanduser() if args.out else default_out(paths or ["original_metheny"])
    check_out(out, args.replace_shipped)
    if args.out is None:
        print(f"improv: no --out given: the model goes to {out}", file=sys.stderr)
    if not paths:
        corpus = default_corpus()
        if corpus is None or not corpus.is_file():
            raise UsageError(f"no --corpus given and the default corpus "
                             f"{corpus or '(../shared beside a checkout)'} is absent: "
                             f"pass --corpus FILE")
        paths = [corpus]
    pieces, corpus, contexts = load_corpus(paths, args.melody_track, args.chord_tracks,
                                           not args.no_cache)
    conditioned = args.features == "context"
    data = prepare(pieces, args.tx, args.val_share, args.seed, args.block_bars, corpus,
                   args.hold_out, contexts if conditioned else None)
    print(f"corpus: {len(corpus)} file(s), {sum(len(p) for p in pieces)} bars, "
          f"{len(data.vocab)} distinct values; {len(data.windows)} training windows of "
          f"{args.tx}, {data.validation.tokens} held-out values in "
          f"{len(data.split.validation_bars)} bars; inputs: the previous value"
          f"{' and the context (' + context.NAME_V3 + ')' if conditioned else ''}", flush=True)

    n_features = context.N_FEATURES_V3 if conditioned else 0
    layers, result, tried, params, metrics = train_sizes(args, data, n_features)
    meta = {
        "tx": args.tx, "corpus": corpus,
        "melody_track_option": args.melody_track, "chord_tracks_option": args.chord_tracks,
        "epochs": args.epochs, "epochs_run": result.epochs_run, "best_epoch": result.best_epoch,
        "seed": args.seed, "batch_size": args.batch_size, "patience": args.patience,
        "val_share": args.val_share, "block_bars": args.block_bars,
        "optimizer": {"name": "adam", "learning_rate": LEARNING_RATE, "lr_decay": args.lr_decay,
                      "beta_1": BETA_1,
                      "beta_2": BETA_2},
        "train_windows": len(data.windows), "parameters": params, "hold_out": args.hold_out,
        "n_a_tried": {str(k): v for k, v in tried.items()}, "seconds": round(result.seconds, 1),
        "metrics": metrics, "versions": versions(),
    }
    return save_model(out, layers, data, meta, context.NAME_V3 if conditioned else None)


def train_sizes(args, data, n_features: int):
    """Train each ``--n-a`` in turn and keep the one with the lowest held-out loss:
    (layers, fit result, the sizes tried, parameters, the closing figures)."""
    from improv.model.graph import build_layers, djmodel

    verbose = 1 if sys.stdout.isatty() else 2
    limit = None if args.time_limit is None else args.time_limit * 60
    tried, chosen = {}, None
    for n_a in args.n_a:
        if len(args.n_a) > 1:
            print(f"--- n_a = {n_a}", flush=True)
        seed_everything(args.seed)
        layers = build_layers(len(data.vocab), n_a, n_features)
        result = fit(layers, data, args.epochs, args.batch_size, args.patience, args.seed,
                     verbose, time_limit=limit, lr_decay=args.lr_decay)
        # the held-out loss of the weights kept (the best epoch's; with --patience 0, the last)
        best = result.history[result.best_epoch - 1]["val_loss"]
        tried[n_a] = {"val_loss": round(best, 4), "epochs_run": result.epochs_run,
                      "seconds": round(result.seconds, 1)}
        if chosen is None or best < tried[chosen[0]]["val_loss"]:
            chosen = (n_a, layers, result)
    n_a, layers, result = chosen
    if len(tried) > 1:
        print("held-out loss by size: " + ", ".join(
            f"n_a {k}: {v['val_loss']:.3f}" for k, v in tried.items()) + f"; keeping {n_a}")
    params = djmodel(layers, args.tx).count_params()
    metrics = evaluate(layers, data)
    print(f"trained {result.epochs_run} epochs in {result.seconds:.1f} s, kept epoch "
          f"{result.best_epoch}; {params} parameters")
    print(render_metrics(metrics))
    return layers, result, tried, params, metrics


def save_model(out: Path, layers, data, meta: dict, features: str | None) -> int:
    from improv.model.graph import get_weights

    try:
        modelfile.save(out, get_weights(layers), data.vocab, meta, features)
    except OSError as err:
        raise UsageError(f"cannot write the model to {out} ({err.strerror or err}): choose "
                         f"another --out") from err
    print(f"model written to {out}")
    return 0


BASS_MODEL = "wjazzd-bass"


def run_bass(args) -> int:
    """``improv train --bass``: check and correct the Weimar bass lines, keep the
    trustworthy ones (:mod:`improv.learning.basslines`), and train the bass model on
    them, holding out whole solos."""
    if args.out is not None and not args.out.strip():
        raise UsageError("--out is empty: give a directory for the model")
    out = Path(args.out).expanduser() if args.out else models_home() / BASS_MODEL
    check_out(out, args.replace_shipped)
    if args.out is None:
        print(f"improv: no --out given: the model goes to {out}", file=sys.stderr)
    root = Path(args.corpus[0]) if args.corpus else None
    if root is None:
        home = modelfile.checkout()
        root = None if home is None else home.parent / "shared" / "corpus" / "wjazzd"
    if root is None or not root.is_dir():
        raise UsageError(f"--bass reads the Weimar folder: pass --corpus PATH/TO/wjazzd "
                         f"({root or 'no default outside a checkout'} is absent)")
    checks, kept = basslines.kept_solos(root, args.min_root, args.min_changes)
    numbers = basslines.summary(checks, args.min_root, args.min_changes)
    print(f"bass check: {numbers['solos']} solos, {numbers['estimated']} of "
          f"{numbers['beats']} beats estimated; {numbers['enough']} solos with "
          f"{args.min_changes}+ written chords, the root-to-bass interval commonest at 7 in "
          f"{numbers['offset_7']}; corrected by 7 the bass is on the root at "
          f"{numbers['root_share_after_7']:.1%} of all written chords (median solo "
          f"{numbers['median_modal_share']:.1%} at its own offset)")
    print(f"kept: {numbers['kept']} solos ({numbers['kept_beats']} beats) whose bass, "
          f"corrected by their offset {numbers['kept_offsets']}, is on the root at "
          f"{args.min_root:.0%}+ of {args.min_changes}+ written chords; left out "
          f"{numbers['solos'] - numbers['enough']} with fewer chords, "
          f"{numbers['low_share']} below {args.min_root:.0%}, {numbers['odd_offset']} whose "
          f"offset is no fifth, {numbers['no_bar_line']} with no bar line", flush=True)
    if len(kept) < 2:
        raise UsageError(f"only {len(kept)} solo(s) pass --min-root {args.min_root}: lower it")
    pieces, corpus, contexts = basslines.training_corpus(kept, args.max_repeats)
    words = sum(len(bar) for piece in pieces for bar in piece)
    print(f"walking: {words} of {numbers['kept_beats']} kept beats, leaving out bars that "
          f"repeat a pitch more than {args.max_repeats} time(s)", flush=True)
    data = prepare(pieces, args.tx, args.val_share, args.seed, args.block_bars, corpus,
                   "pieces", contexts, order=bassvocab.order_key)
    print(f"bass corpus: {len(data.vocab)} distinct words; {len(data.windows)} training "
          f"windows of {args.tx} from {len(pieces) - len(data.split.validation)} solos, "
          f"{data.validation.tokens} held-out words in {len(data.split.validation)} "
          f"whole solos; inputs: the previous word and the context ({bassvocab.NAME})",
          flush=True)
    layers, result, tried, params, metrics = train_sizes(args, data, bassvocab.N_FEATURES)
    addk = {}
    for k in (0.01, 0.1, 0.5, 1.0):  # tuned on the held-out words: the baselines' best
        scores = dataset.addk_baselines(data.split.train, data.validation, data.vocab, k)
        for name, score in scores.items():
            if name not in addk or score.loss < addk[name]["loss"]:
                addk[name] = {"loss": round(score.loss, 4), "accuracy": round(score.accuracy, 4),
                              "tokens": score.tokens, "k": k}
    for name, s in addk.items():
        print(f"{'held-out add-k ' + name:<22}{s['loss']:>8.3f}{s['accuracy'] * 100:>9.1f}%"
              f"{s['tokens']:>9}  (k {s['k']})")
    meta = {
        "part": bassvocab.PART, "tx": args.tx, "corpus": corpus,
        "check": dict(numbers, max_repeats=args.max_repeats, words=words),
        "epochs": args.epochs, "epochs_run": result.epochs_run, "best_epoch": result.best_epoch,
        "seed": args.seed, "batch_size": args.batch_size, "patience": args.patience,
        "val_share": args.val_share, "hold_out": "pieces",
        "optimizer": {"name": "adam", "learning_rate": LEARNING_RATE, "lr_decay": args.lr_decay,
                      "beta_1": BETA_1,
                      "beta_2": BETA_2},
        "train_windows": len(data.windows), "parameters": params,
        "n_a_tried": {str(k): v for k, v in tried.items()}, "seconds": round(result.seconds, 1),
        "metrics": dict(metrics, **{f"addk_{k}": v for k, v in addk.items()}),
        "versions": versions(),
    }
    return save_model(out, layers, data, meta, bassvocab.NAME)
