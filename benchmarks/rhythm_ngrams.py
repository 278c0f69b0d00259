"""Which rhythms in a row give improv away: the discriminator's 4-bar windows as
sequences of inter-onset intervals, and how well an n-gram model of those alone tells
the Weimar players' windows from improv's, order by order.

The calibration fits the share of each note length by tempo band, and the classes of
the time between onsets come out close to the players' one by one; what follows what
does not, and no single feature of the discriminator shows it. Each window's onsets
become classes of the time to the next onset (the discriminator's duration edges,
beats; the last note its own length). For each order, the log-likelihood ratio of a
window under the players' n-gram model against improv's, both fitted on the other
folds (5, grouped by solo: a solo and the render over its changes share a fold), is
scored held out; printed as an AUC (folded to >= 0.5) overall and by tempo band, then,
by tempo band, the pairs of intervals in a row whose shares differ most (players /
improv, with each pair's part of the symmetric Kullback-Leibler divergence).

    python benchmarks/rhythm_ngrams.py [--solos N] [--seed S] [--config FILE] [--repo PATH]

Needs the corpus, numpy and this checkout only (no scikit-learn); renders as the
discriminator does (about 3 minutes for all solos on one core).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import discriminator  # noqa: E402
from _render import band_names  # noqa: E402
from _windows import DUR_EDGES, N_DUR, events, ngram_llr  # noqa: E402

ORDERS = (1, 2, 3, 4)
FOLDS = 5
TOP = 6  # pairs printed per tempo band
NAMES = tuple(f"<{DUR_EDGES[0]:g}" if k == 0 else f">{DUR_EDGES[-1]:g}" if k == len(DUR_EDGES)
              else f"{DUR_EDGES[k - 1]:g}-{DUR_EDGES[k]:g}" for k in range(N_DUR))


def ioi_classes(window) -> np.ndarray:
    """The class (index into DUR_EDGES' bins) of the time from each onset of ``window``
    to the next; the last note's own length for the last."""
    gaps = np.append(np.diff(window.on), window.off[-1] - window.on[-1]) if len(window.on) else []
    return np.searchsorted(DUR_EDGES, gaps, side="right").astype(np.int64)


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """The area under the ROC curve of ``scores`` for ``labels`` (1 positive), ties
    counted half, folded to >= 0.5; 0.5 where a side is empty."""
    labels = np.asarray(labels, bool)
    n1, n0 = int(labels.sum()), int((~labels).sum())
    if not n1 or not n0:
        return 0.5
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    sorted_scores = np.asarray(scores)[order]
    edges = np.flatnonzero(np.diff(sorted_scores)) + 1
    for a, b in zip(np.r_[0, edges], np.r_[edges, len(scores)]):  # ties: the mean rank
        ranks[order[a:b]] = (a + b + 1) / 2
    area = (ranks[labels].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    return float(max(area, 1 - area))


def held_out_llr(seqs: list[np.ndarray], y: np.ndarray, groups: np.ndarray,
                 order: int) -> np.ndarray:
    """Each window's mean log-likelihood ratio, players' model (label 0) over improv's
    (label 1), from models fitted on the other folds (fold: group mod FOLDS)."""
    ev = events(seqs, order, N_DUR)
    fold = np.asarray(groups) % FOLDS
    out = np.zeros(len(seqs))
    for k in range(FOLDS):
        test = fold == k
        out[test] = ngram_llr(ev, ~test & (y == 0), ~test & (y == 1))[test]
    return out


def pair_shares(seqs) -> Counter:
    """The share of each pair of classes in a row over ``seqs``."""
    pairs = Counter(pair for s in seqs for pair in zip(s[:-1].tolist(), s[1:].tolist()))
    total = sum(pairs.values())
    return Counter({k: v / total for k, v in pairs.items()}) if total else Counter()


def differences(players: Counter, improv: Counter, top: int = TOP, floor: float = 1e-4):
    """(pair, players' share, improv's share, its part of the symmetric KL divergence)
    for the ``top`` pairs that part is largest for (shares below ``floor`` read as it)."""
    rows = []
    for pair in set(players) | set(improv):
        p, q = max(players[pair], floor), max(improv[pair], floor)
        rows.append((pair, players[pair], improv[pair], float((p - q) * np.log(p / q))))
    return sorted(rows, key=lambda r: -r[3])[:top]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wjazzd", type=Path, default=discriminator.DEFAULT_WJAZZD)
    parser.add_argument("--solos", type=int, metavar="N",
                        help="N solos spread over the sorted list (default: all)")
    parser.add_argument("--seed", type=int, default=1, help="the discriminator's render seed")
    parser.add_argument("--config", type=Path, metavar="FILE", help="render with these settings")
    parser.add_argument("--repo", type=Path, metavar="PATH",
                        help="render improv with this checkout instead (before/after)")
    args = parser.parse_args(argv)
    if not ((args.wjazzd / "melody").is_dir() and (args.wjazzd / "beats").is_dir()):
        print(f"no Weimar Jazz Database at {args.wjazzd}: pass --wjazzd DIR", file=sys.stderr)
        return 2
    if (args.config is not None and not args.config.is_file()) or (
            args.repo is not None and not (args.repo / "improv").is_dir()) or (
            args.solos is not None and args.solos < 2 * FOLDS):
        print(f"--config needs an existing file, --repo an improv checkout and --solos "
              f"{2 * FOLDS} or more", file=sys.stderr)
        return 2
    from improv.language.context import TEMPO_EDGES
    from improv.learning.wjd import solo_paths

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    read = [got for got in (discriminator.read_weimar(p, args.seed) for p in
                            discriminator.spread(solo_paths(args.wjazzd), args.solos))
            if not isinstance(got, str)]
    rendered = discriminator.render_all([job for _, job, _ in read], args.repo, args.config)
    windows, y, groups = discriminator.paired_windows(read, rendered)
    seqs = [ioi_classes(w) for w in windows]
    tempo = np.array([read[g][1]["tempo"] for g in groups])
    band = np.searchsorted(TEMPO_EDGES, tempo, side="right")
    names = band_names(TEMPO_EDGES)
    print(f"{len(read)} solos, windows {int((y == 0).sum())} Weimar / {int((y == 1).sum())} "
          f"improv; inter-onset classes {', '.join(NAMES)} (beats)")
    print("\nn-gram of inter-onset classes, held-out AUC     all  " +
          "  ".join(f"{n:>10}" for n in names))
    for order in ORDERS:
        llr = held_out_llr(seqs, y, groups, order)
        per = [auc(y[band == b], -llr[band == b]) for b in range(len(names))]
        print(f"  order {order}{'':37}{auc(y, -llr):.3f}  " + "  ".join(f"{a:>10.3f}" for a in per))
    for b, name in enumerate(names):
        mine = band == b
        rows = differences(pair_shares([s for s, m, lab in zip(seqs, mine, y) if m and lab == 0]),
                           pair_shares([s for s, m, lab in zip(seqs, mine, y) if m and lab == 1]))
        if not rows:
            continue
        print(f"\n{name} BPM: intervals in a row          players   improv   KL part")
        for (a, c), p, q, part in rows:
            print(f"  {NAMES[a]:>8} then {NAMES[c]:<8}{'':13}{p:8.4f} {q:8.4f} {part:9.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
