"""How well a plain classifier tells 4-bar windows of real Weimar solos from improv's.

A benchmark to judge changes to improv's time feel, articulation, register and motifs
by (issue 20). For each Weimar Jazz Database solo:

* the Weimar side: its notes as performed, each onset and offset turned into beats by
  interpolating between the beat table's onsets (micro-timing and swing kept);
* the improv side: the default model and config.toml rendered over the same solo's
  changes (its chord per beat, a missing chord or NC as no chord), in its metre, at its
  tempo (60 / median beat, clamped to improv's range), for as many bars, seeded per
  solo, melody only; the notes as they go to MIDI (swing applied), not re-quantised.

Both are cut into the same 4-bar windows by their bar grid (a Weimar pickup before the
first bar line is dropped; windows under 4 notes left out). Features per window in
families (intervals, contour, durations, inter-onset intervals, articulation, onset
phase, micro-timing, harmony, register, repetition, rests: benchmarks/_windows.py) and
interval/duration n-gram log-likelihood ratios (Weimar model against improv model,
trained on the training folds only, cross-fitted inside them). A gradient-boosted tree
classifier, 5-fold cross-validated grouped by solo (a Weimar solo and the render over its
changes share a group), gives held-out accuracy and AUC per family and overall; the
most telling single features (AUC folded to >= 0.5) with their medians per side; and a
control, Weimar against Weimar with labels drawn at random per solo (should sit near
0.5); then the share of notes under 0.3 beat in three tempo bands, both sides
(benchmarks/_shortnotes.py). Solos with no bar lines (metre 1) are skipped.

    pip install -e '.[bench]'
    .venv/bin/python benchmarks/discriminator.py                 # all 450 usable, ~4 min
    .venv/bin/python benchmarks/discriminator.py --solos 60      # every 7th or so, quicker
    .venv/bin/python benchmarks/discriminator.py --repo /tmp/before --json before.json

``--sides written`` and ``--sides timefeel`` split the tell in two: the players' written
lines (the corpus reader's, :mod:`improv.learning.writtenline`) against improv's line on
the grid, unswung (what the model and the sampler write), and the players' performances
against their own written lines played by improv's time feel in each one's own style
(what the performance adds; a perfect time feel would score 0.5 there).

``--repo PATH`` renders improv with another checkout (a subprocess with PYTHONPATH set
to it, its own config.toml and model), ``--config FILE`` with other settings (e.g.
``[feel] timing = "learned"``); the Weimar side and the features stay this checkout's.
One core: OMP_NUM_THREADS is 1 unless set.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from _render import SIDES, render_jobs  # noqa: E402
from _shortnotes import print_short_notes, short_notes  # noqa: E402
from _windows import (  # noqa: E402
    NGRAMS,
    WINDOW_BARS,
    Take,
    cut_windows,
    events,
    family,
    make_take,
    ngram_llr,
    performed_beats,
    tokens,
    window_features,
)

DEFAULT_WJAZZD = REPO.parent / "shared" / "corpus" / "wjazzd"
FOLDS = 5
METRES = range(2, 10)
TOP = 10
# The figures issue 20 names, shown whatever their rank, so before/after compare them.
WATCHED = ("phase.on_twelfths", "articulation.held", "durations.0.10-0.18",
           "durations.0.35-0.45", "register.max", "register.distinct",
           "repetition.distinct_3iv", "repetition.longest_line")


def spread(paths: list[Path], n: int | None) -> list[Path]:
    """``n`` solos spread evenly over the sorted list (all when ``n`` is None)."""
    if n is None or n >= len(paths):
        return paths
    return [paths[(k * len(paths)) // n] for k in range(n)]


def seed_for(name: str, seed: int) -> int:
    """A render's seed: the solo's name and the run's seed (stable across runs)."""
    return (zlib.crc32(name.encode("utf-8")) + 1_000_003 * seed) % 2**32


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_weimar(path: Path, seed: int) -> tuple[Take, dict, Take] | str:
    """(the Weimar take, the improv render job over its changes, an empty improv take
    with its bars and chords), or why the solo is skipped."""
    from improv.learning.wjd import read_solo, solo_line

    solo = read_solo(path)
    onsets = [float(r["onset"]) for r in _csv(path.parent.parent / "beats" / path.name)]
    rows = _csv(path)
    if not solo.bar_starts or not rows:
        return "no bar lines or no notes"
    lengths = np.diff(solo.bar_starts)
    metre = Counter(lengths.tolist()).most_common(1)[0][0] if len(lengths) else solo.beats_per_bar
    if metre not in METRES:
        return f"metre {metre}"
    t_on = np.array([float(r["onset"]) for r in rows])
    t_off = t_on + np.array([float(r["duration"]) for r in rows])
    pitch = np.array([round(float(r["pitch"])) for r in rows])
    b0 = solo.bar_starts[0]
    on = performed_beats(onsets, t_on) - b0
    off = performed_beats(onsets, t_off) - b0
    keep = on >= 0  # a pickup before the first bar line: improv has none
    bars_w = [b - b0 for b in solo.bar_starts]
    weimar = make_take(solo.name, np.column_stack((on, off, pitch))[keep], bars_w,
                       bars_w[-1] + metre, solo.chords[b0:])
    bars, per_beat = [], []
    for j, a in enumerate(solo.bar_starts):
        length = solo.bar_starts[j + 1] - a if j + 1 < len(solo.bar_starts) else metre
        chords = [solo.chord_at(a + min(b, length - 1)) for b in range(metre)]
        per_beat.extend(chords)
        bars.append([[b, str(c)] for b, c in enumerate(chords) if b == 0 or c != chords[b - 1]])
    tempo = 60.0 / float(np.median(np.diff(onsets)))
    line = [[float(a - b0), float(b - b0), p] for a, b, p in solo_line(solo) if a >= b0]
    job = {"name": solo.name, "seed": seed_for(solo.name, seed), "tempo": tempo,
           "metre": metre, "bars": bars, "solo": solo.name, "line": line}
    improv = make_take(solo.name, np.zeros((0, 3)), [j * metre for j in range(len(bars))],
                       len(bars) * metre, per_beat)
    return weimar, job, improv


def render_all(jobs: list[dict], repo: Path | None, config: Path | None,
               sides: str = "performed") -> dict[str, list]:
    """Every job's improv notes, with this checkout or, as a subprocess, ``repo``'s;
    with ``config`` or else that checkout's config.toml; as ``sides`` says."""
    root = REPO if repo is None else repo.resolve()
    config = (root / "config.toml") if config is None else config.resolve()
    config_arg = str(config) if config.is_file() else None
    if repo is None:
        out: dict[str, list] = {}
        for k in range(0, len(jobs), 25):
            out.update(render_jobs(jobs[k:k + 25], config_arg, sides))
            print(f"  rendered {len(out)}/{len(jobs)}", file=sys.stderr, flush=True)
        return out
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.run([sys.executable, str(HERE / "_render.py"), config_arg or "", sides],
                          input=json.dumps(jobs), capture_output=True, text=True, cwd=root,
                          env=env)
    if proc.returncode:
        raise SystemExit(f"rendering with {root} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def written_take(weimar: Take, job: dict) -> Take:
    """The Weimar side as written: the solo's written line (the corpus reader's), each
    note to its written end, on its bar grid."""
    return make_take(weimar.name, job["line"], weimar.bar_starts, weimar.end, weimar.chords)


def paired_windows(read, rendered) -> tuple[list, np.ndarray, np.ndarray]:
    """Both sides' windows, labels (0 Weimar, 1 improv) and groups (the solo)."""
    windows, y, groups = [], [], []
    for g, (weimar, job, empty) in enumerate(read):
        improv = make_take(job["name"], rendered[job["name"]], empty.bar_starts, empty.end,
                           empty.chords)
        for label, take in ((0, weimar), (1, improv)):
            cut = cut_windows(take)
            windows += cut
            y += [label] * len(cut)
            groups += [g] * len(cut)
    return windows, np.array(y), np.array(groups)


def table(windows) -> tuple[np.ndarray, list[str]]:
    rows = [window_features(w) for w in windows]
    names = list(rows[0])
    return np.array([[r[n] for n in names] for r in rows], float), names


# --- classification ------------------------------------------------------------------------

def _classifier(seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, random_state=seed)


def _group_folds(y, groups, k: int = FOLDS):
    from sklearn.model_selection import GroupKFold

    return list(GroupKFold(n_splits=k).split(np.zeros(len(y)), y, groups))


def _llr_columns(evs, y, fit_on: np.ndarray, score_on: np.ndarray) -> np.ndarray:
    """The n-gram LLR of the ``score_on`` windows, models fit on ``fit_on`` (indices)."""
    pos, neg = np.zeros(len(y), bool), np.zeros(len(y), bool)
    pos[fit_on[y[fit_on] == 0]] = True  # Weimar (label 0) positive: high = Weimar-like
    neg[fit_on[y[fit_on] == 1]] = True
    return np.column_stack([ngram_llr(ev, pos, neg)[score_on] for ev in evs])


def ngram_folds(evs, y, groups, folds):
    """Per outer fold (train columns cross-fitted over inner group folds, test columns
    from models of the whole training part): no window is scored by a model that saw it."""
    out = []
    for train, test in folds:
        inner = np.zeros((len(train), len(evs)))
        for a, b in _group_folds(y[train], groups[train]):
            inner[b] = _llr_columns(evs, y, train[a], train[b])
        out.append((inner, _llr_columns(evs, y, train, test)))
    return out


def held_out(X, y, folds, ngrams, seed: int) -> np.ndarray:
    """Held-out P(improv) of each window; ``ngrams`` None or :func:`ngram_folds`'."""
    p = np.zeros(len(y))
    for k, (train, test) in enumerate(folds):
        xtr, xte = X[train], X[test]
        if ngrams is not None:
            xtr = np.hstack((xtr, ngrams[k][0]))
            xte = np.hstack((xte, ngrams[k][1]))
        p[test] = _classifier(seed).fit(xtr, y[train]).predict_proba(xte)[:, 1]
    return p


def scores(y, p) -> dict:
    from sklearn.metrics import roc_auc_score

    return {"accuracy": float(np.mean((p > 0.5) == y)), "auc": float(roc_auc_score(y, p))}


def single_auc(y, x) -> float:
    from sklearn.metrics import roc_auc_score

    x = np.where(np.isnan(x), np.nanmedian(x) if np.isfinite(x).any() else 0.0, x)
    if np.all(x == x[0]):
        return 0.5
    return abs(float(roc_auc_score(y, x)) - 0.5) + 0.5


def ngram_events(windows):
    seqs = [tokens(w) for w in windows]
    return [events([s[name] for s in seqs], order, size) for name, (order, size) in NGRAMS.items()]


def evaluate(windows, X, names, y, groups, seed: int) -> dict:
    """Held-out scores per family and overall, the single features ranked."""
    folds = _group_folds(y, groups)
    ngrams = ngram_folds(ngram_events(windows), y, groups, folds)
    ngram_oof = np.zeros((len(y), len(NGRAMS)))
    for (_, test), (_, te) in zip(folds, ngrams):
        ngram_oof[test] = te
    fams = list(dict.fromkeys(family(n) for n in names))
    groups_of = {f: [k for k, n in enumerate(names) if family(n) == f] for f in fams}
    groups_of["timefeel"] = groups_of["phase"] + groups_of["microtiming"]
    out = {"families": {}}
    for fam, cols in groups_of.items():
        out["families"][fam] = dict(scores(y, held_out(X[:, cols], y, folds, None, seed)),
                                    features=len(cols))
    out["families"]["ngram"] = dict(scores(y, held_out(X[:, :0], y, folds, ngrams, seed)),
                                    features=len(NGRAMS))
    out["overall"] = dict(scores(y, held_out(X, y, folds, ngrams, seed)),
                          features=len(names) + len(NGRAMS))
    allx = np.hstack((X, ngram_oof))
    alln = names + [f"ngram.{n}_llr" for n in NGRAMS]
    singles = []
    for k, name in enumerate(alln):
        col = allx[:, k]
        singles.append({"feature": name, "auc": single_auc(y, col),
                        "weimar": float(np.nanmedian(col[y == 0])),
                        "improv": float(np.nanmedian(col[y == 1]))})
    singles.sort(key=lambda s: -s["auc"])
    out["singles"] = singles
    return out


def control(windows, X, names, groups, seed: int) -> dict:
    """Weimar against Weimar, each solo's label drawn at random: what "no difference"
    scores with these folds and features."""
    solos = np.unique(groups)
    rng = np.random.default_rng(seed)
    label = dict(zip(solos.tolist(), rng.integers(0, 2, len(solos)).tolist()))
    y = np.array([label[g] for g in groups.tolist()])
    folds = _group_folds(y, groups)
    ngrams = ngram_folds(ngram_events(windows), y, groups, folds)
    return dict(scores(y, held_out(X, y, folds, ngrams, seed)), features=len(names) + len(NGRAMS))


# --- report ----------------------------------------------------------------------------

def _fmt(x: float) -> str:
    return "nan" if not np.isfinite(x) else f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def _ratio(weimar: float, improv: float) -> str:
    """improv's median over Weimar's, where both are positive (else "-")."""
    return f"{improv / weimar:.2f}" if weimar > 1e-9 and improv >= 0 else "-"


def print_report(res: dict) -> None:
    why = ", ".join(f"{k}: {v}" for k, v in res["skip_reasons"].items())
    print(f"discriminator: {res['solos']} solos ({res['skipped']} skipped{': ' if why else ''}"
          f"{why}), windows of "
          f"{res['bars']} bars: {res['windows']['weimar']} Weimar, {res['windows']['improv']} "
          f"improv (majority share {res['chance']:.3f}); {FOLDS}-fold grouped by solo")
    print(f"improv: {res['improv']}")
    print(f"sides: {SIDES[res.get('sides', 'performed')]}")
    print(f"\n{'family':<14}{'features':>9}{'accuracy':>10}{'AUC':>8}")
    for fam, s in res["families"].items():
        print(f"{fam:<14}{s['features']:>9}{s['accuracy']:>10.3f}{s['auc']:>8.3f}")
    o, c = res["overall"], res["control"]
    print(f"{'overall':<14}{o['features']:>9}{o['accuracy']:>10.3f}{o['auc']:>8.3f}")
    print(f"{'control':<14}{c['features']:>9}{c['accuracy']:>10.3f}{c['auc']:>8.3f}"
          f"   (Weimar vs Weimar, labels random per solo)")
    head = f"{'AUC':>6}  {'Weimar med':>11}{'improv med':>11}{'i/W':>7}"
    print(f"\n{'most telling single features':<32}{head}")
    for s in res["singles"][:TOP]:
        print(f"{s['feature']:<32}{s['auc']:>6.3f}  {_fmt(s['weimar']):>11}"
              f"{_fmt(s['improv']):>11}{_ratio(s['weimar'], s['improv']):>7}")
    print(f"\n{'watched (issue 20)':<32}{head}")
    by = {s["feature"]: s for s in res["singles"]}
    for name in WATCHED:
        s = by[name]
        print(f"{name:<32}{s['auc']:>6.3f}  {_fmt(s['weimar']):>11}"
              f"{_fmt(s['improv']):>11}{_ratio(s['weimar'], s['improv']):>7}")
    print(f"\n{res['seconds']:.0f} s (read {res['timing']['read']:.0f}, render "
          f"{res['timing']['render']:.0f}, features {res['timing']['features']:.0f}, "
          f"classify {res['timing']['classify']:.0f})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wjazzd", type=Path, default=DEFAULT_WJAZZD,
                        help="the Weimar Jazz Database folder (melody/ and beats/ inside)")
    parser.add_argument("--solos", type=int, metavar="N",
                        help="N solos spread over the sorted list (default: all)")
    parser.add_argument("--seed", type=int, default=1, help="render, fold and control seed")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="render with these settings (default: the checkout's config.toml)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    parser.add_argument("--repo", type=Path, metavar="PATH",
                        help="render improv with this checkout instead (before/after)")
    parser.add_argument("--sides", choices=list(SIDES), default="performed",
                        help="; ".join(f"{k}: {v}" for k, v in SIDES.items())
                        + " (default: performed)")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("sklearn") is None:
        print("scikit-learn is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    if not ((args.wjazzd / "melody").is_dir() and (args.wjazzd / "beats").is_dir()):
        print(f"no Weimar Jazz Database at {args.wjazzd}: pass --wjazzd DIR", file=sys.stderr)
        return 2
    if args.config is not None and not args.config.is_file():
        print(f"--config {args.config} does not exist", file=sys.stderr)
        return 2
    if args.json is not None and not args.json.parent.is_dir():
        print(f"--json {args.json}: its folder does not exist", file=sys.stderr)
        return 2
    if args.repo is not None and not (args.repo / "improv").is_dir():
        print(f"--repo {args.repo} is not an improv checkout", file=sys.stderr)
        return 2
    from improv.learning.wjd import solo_paths

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before sklearn loads OpenMP: one core
    clock = {"start": time.perf_counter()}
    paths = spread(solo_paths(args.wjazzd), args.solos)
    read, skipped = [], Counter()
    for path in paths:
        got = read_weimar(path, args.seed)
        if isinstance(got, str):
            skipped[got] += 1
        else:
            read.append(got)
    if len(read) < 2 * FOLDS:
        print(f"only {len(read)} usable solos: give --solos {2 * FOLDS} or more", file=sys.stderr)
        return 2
    clock["read"] = time.perf_counter()
    if args.sides == "written":
        read = [(written_take(weimar, job), job, empty) for weimar, job, empty in read]
    rendered = render_all([job for _, job, _ in read], args.repo, args.config, args.sides)
    clock["render"] = time.perf_counter()
    windows, y, groups = paired_windows(read, rendered)
    X, names = table(windows)
    clock["features"] = time.perf_counter()
    res = evaluate(windows, X, names, y, groups, args.seed)
    weimar_only = np.flatnonzero(y == 0)
    res["control"] = control([windows[k] for k in weimar_only], X[weimar_only], names,
                             groups[weimar_only], args.seed)
    clock["classify"] = time.perf_counter()
    res.update(solos=len(read), skipped=sum(skipped.values()), skip_reasons=dict(skipped),
               bars=WINDOW_BARS,
               windows={"weimar": int((y == 0).sum()), "improv": int((y == 1).sum())},
               chance=float(max(y.mean(), 1 - y.mean())), seed=args.seed, sides=args.sides,
               improv=" with ".join(str(p.resolve()) for p in (args.repo or REPO, args.config)
                                    if p is not None),
               seconds=clock["classify"] - clock["start"],
               timing={k: clock[k] - clock[p] for p, k in
                       (("start", "read"), ("read", "render"), ("render", "features"),
                        ("features", "classify"))})
    res["short_notes"] = short_notes(read, rendered)
    print_report(res)
    print_short_notes(res["short_notes"])
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
