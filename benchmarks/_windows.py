"""The pure half of benchmarks/discriminator.py: performed beats, 4-bar windows, the
features a listener hears, and interval/duration n-gram models (numpy only).

Kept apart so a test can check it on hand-made notes without the corpus or sklearn.
Both sides (a Weimar solo, improv over its changes) become a :class:`Take`: notes in
beats from the first bar line, the bar lines, and the chord of every beat. Everything
after that treats the two sides alike, so a difference the classifier finds is in the
notes, not in how they were read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from improv.language.harmony import Chord, type_table

WINDOW_BARS = 4
MIN_NOTES = 4
HELD = 0.02  # a note "held to the next onset": duration/IOI within 2% of 1
ON_GRID = 1e-3  # beats: an onset "exactly" on a twelfth of the beat
# Duration and IOI bins in beats; 0.10-0.18 and 0.35-0.45 are the lengths players use
# and the decoder never makes (issue 20).
TIME_EDGES = (0.0, 0.10, 0.18, 0.30, 0.35, 0.45, 0.55, 0.70, 0.90, 1.10, 1.60, 2.50)
INTERVAL_BINS = ((0, 0), (1, 1), (2, 2), (3, 4), (5, 7), (8, 12), (13, 127))


def performed_beats(beat_onsets, times) -> np.ndarray:
    """Seconds to beats, linear between the marked beats (beat i at ``beat_onsets[i]``),
    extrapolated at the ends: a player's push, drag and swing stay in the position."""
    on = np.asarray(beat_onsets, float)
    t = np.asarray(times, float)
    k = np.clip(np.searchsorted(on, t, side="right") - 1, 0, len(on) - 2)
    return k + (t - on[k]) / np.maximum(on[k + 1] - on[k], 1e-6)


@dataclass(frozen=True)
class Take:
    """One side of a solo: ``notes`` (n, 3) start, end (beats from the first bar line)
    and MIDI pitch, sorted by start; where each bar starts; where the last one ends; the
    chord of each beat from beat 0."""

    name: str
    notes: np.ndarray
    bar_starts: tuple[float, ...]
    end: float
    chords: tuple[Chord, ...]


@dataclass(frozen=True)
class Window:
    """Notes starting in ``WINDOW_BARS`` bars, times relative to the window's start;
    ``kind``: each note's C/S/A/X against the chord of its beat."""

    solo: str
    index: int
    length: float
    on: np.ndarray
    off: np.ndarray
    pitch: np.ndarray
    kind: np.ndarray


def make_take(name: str, notes, bar_starts, end: float, chords) -> Take:
    arr = np.asarray(notes, float).reshape(-1, 3)
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    return Take(name, arr, tuple(float(b) for b in bar_starts), float(end), tuple(chords))


def _kinds(take: Take) -> np.ndarray:
    """C/S/A/X of each note against the chord of its beat (a note a hair before a beat,
    as players anticipate, counts on that beat)."""
    beats = np.clip(np.floor(take.notes[:, 0] + 1 / 24).astype(int), 0, len(take.chords) - 1)
    pitch = take.notes[:, 2].astype(int)
    return np.array([type_table(take.chords[b])[p % 12] for b, p in zip(beats, pitch)])


def cut_windows(take: Take, bars: int = WINDOW_BARS, min_notes: int = MIN_NOTES) -> list[Window]:
    """The take's windows of ``bars`` whole bars by its bar grid (window k: bars
    k*bars..), each with the notes starting inside it; windows with fewer than
    ``min_notes`` notes are left out (a rest, not a phrase)."""
    if not len(take.notes) or not take.chords:
        return []
    kinds = _kinds(take)
    starts = list(take.bar_starts) + [take.end]
    out = []
    for k in range((len(take.bar_starts)) // bars):
        a, b = starts[k * bars], starts[(k + 1) * bars]
        inside = (take.notes[:, 0] >= a) & (take.notes[:, 0] < b)
        if inside.sum() < min_notes:
            continue
        sel = take.notes[inside]
        out.append(Window(take.name, k, b - a, sel[:, 0] - a, sel[:, 1] - a,
                          sel[:, 2].astype(int), kinds[inside]))
    return out


# --- features -------------------------------------------------------------------------

def _share(mask) -> float:
    mask = np.asarray(mask, bool)
    return float(mask.mean()) if mask.size else float("nan")


def _stat(x, fn) -> float:
    return float(fn(x)) if len(x) else float("nan")


def _hist(values, prefix: str) -> dict[str, float]:
    """Shares of ``values`` in the TIME_EDGES bins (the last open-ended)."""
    idx = np.searchsorted(TIME_EDGES, values, side="right") - 1
    out = {}
    for k, lo in enumerate(TIME_EDGES):
        hi = f"{TIME_EDGES[k + 1]:.2f}" if k + 1 < len(TIME_EDGES) else "inf"
        out[f"{prefix}.{lo:.2f}-{hi}"] = _share(idx == k) if len(values) else float("nan")
    return out


def _runs(signs: np.ndarray) -> list[int]:
    """Lengths of runs of equal values."""
    if not len(signs):
        return []
    cut = np.flatnonzero(np.diff(signs)) + 1
    return list(np.diff(np.concatenate(([0], cut, [len(signs)]))))


def _longest_true(mask: np.ndarray) -> int:
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max(initial=0))


def longest_repeat(seq) -> int:
    """The longest stretch of ``seq`` that occurs twice without overlapping itself (a
    lick played again); 0 when nothing recurs. Lag by lag: a repeat ``d`` notes later
    is a run of equal elements between ``seq`` and itself shifted by ``d``."""
    s = np.asarray(seq)
    best = 0
    for d in range(1, len(s)):
        if best < d:  # a repeat d apart is at most d long
            best = max(best, min(_longest_true(s[:-d] == s[d:]), d))
    return best


def distinct_share(seq, n: int) -> float:
    """Distinct n-grams of ``seq`` over all its n-grams (1: nothing recurs)."""
    grams = [tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def window_features(w: Window) -> dict[str, float]:
    """Every feature of a window as ``family.name``: what a listener hears of its
    intervals, contour, durations, inter-onset intervals, articulation, onset phase,
    micro-timing, harmony, register, repetition and rests."""
    f: dict[str, float] = {}
    p, on, off = w.pitch, w.on, w.off
    dur = off - on
    iv = np.diff(p)
    absiv = np.abs(iv)
    # intervals
    f["intervals.mean_abs"] = _stat(absiv, np.mean)
    f["intervals.std"] = _stat(iv, np.std)
    f["intervals.max_abs"] = _stat(absiv, np.max)
    f["intervals.up_share"] = _share(iv > 0)
    for lo, hi in INTERVAL_BINS:
        name = f"{lo}" if hi == lo else f"{lo}+" if hi > 24 else f"{lo}-{hi}"
        f[f"intervals.abs_{name}"] = _share((absiv >= lo) & (absiv <= hi))
    # contour
    moves = np.sign(iv[iv != 0])
    runs = _runs(moves)
    f["contour.turns"] = _share(moves[1:] != moves[:-1]) if len(moves) > 1 else 0.0
    f["contour.mean_run"] = float(np.mean(runs)) if runs else 0.0
    f["contour.max_run"] = float(max(runs)) if runs else 0.0
    f["contour.net"] = float(p[-1] - p[0])
    f["contour.zigzag"] = float(absiv.sum() / max(p.max() - p.min(), 1))
    # durations
    f.update(_hist(dur, "durations"))
    f["durations.median"] = _stat(dur, np.median)
    f["durations.log_std"] = _stat(np.log2(np.maximum(dur, 1e-3)), np.std)
    # inter-onset intervals
    ioi = np.diff(on)
    f.update(_hist(ioi, "ioi"))
    f["ioi.median"] = _stat(ioi, np.median)
    f["ioi.log_std"] = _stat(np.log2(np.maximum(ioi, 1e-3)), np.std)
    # articulation: how much of the time to the next onset a note sounds
    ok = ioi > 1e-6
    ratio = dur[:-1][ok] / ioi[ok]
    f["articulation.median"] = _stat(ratio, np.median)
    f["articulation.mean"] = _stat(np.minimum(ratio, 3), np.mean)
    f["articulation.std"] = _stat(np.minimum(ratio, 3), np.std)
    f["articulation.held"] = _share(np.abs(ratio - 1) <= HELD)
    f["articulation.overlap"] = _share(ratio > 1 + HELD)
    f["articulation.detached"] = _share(ratio < 0.75)
    f["articulation.staccato"] = _share(ratio < 0.5)
    # onset phase in the beat
    phase = on - np.floor(on)
    bins = np.floor(phase * 12 + 1e-6).astype(int) % 12
    for k in range(12):
        f[f"phase.{k:02d}/12"] = _share(bins == k)
    dev12 = np.abs(phase - np.round(phase * 12) / 12)
    f["phase.on_twelfths"] = _share(dev12 <= ON_GRID)
    f["phase.on_beat"] = _share(np.minimum(phase, 1 - phase) <= 1 / 24)
    # micro-timing: distance from the written grid, where off-beats fall
    dev16 = np.abs(phase - np.round(phase * 4) / 4)
    f["microtiming.dev12_mean"] = _stat(dev12, np.mean)
    f["microtiming.dev12_median"] = _stat(dev12, np.median)
    f["microtiming.dev16_median"] = _stat(dev16, np.median)
    f["microtiming.dev_min_median"] = _stat(np.minimum(dev12, dev16), np.median)
    off_beat = phase[(phase >= 0.35) & (phase < 0.8)]
    f["microtiming.offbeat_mean"] = _stat(off_beat, np.mean)
    f["microtiming.offbeat_std"] = _stat(off_beat, np.std)
    f["microtiming.offbeat_share"] = _share((phase >= 0.35) & (phase < 0.8))
    # harmony against the chord of the beat
    for kind in "CSAX":
        f[f"harmony.{kind}"] = _share(w.kind == kind)
    strong = np.minimum(phase, 1 - phase) <= 1 / 12
    f["harmony.C_on_beat"] = _share(w.kind[strong] == "C") if strong.any() else float("nan")
    f["harmony.C_long"] = _share(w.kind[dur >= 0.5] == "C") if (dur >= 0.5).any() else float("nan")
    # register
    f["register.min"] = float(p.min())
    f["register.max"] = float(p.max())
    f["register.range"] = float(p.max() - p.min())
    f["register.mean"] = float(p.mean())
    f["register.std"] = float(p.std())
    f["register.distinct"] = float(len(set(p.tolist())))
    # repetition
    f["repetition.distinct_3iv"] = distinct_share(iv.tolist(), 3)
    f["repetition.distinct_4p"] = distinct_share(p.tolist(), 4)
    f["repetition.longest_line"] = float(longest_repeat(p))
    f["repetition.same_as_2back"] = _share(p[2:] == p[:-2]) if len(p) > 2 else float("nan")
    # rests and density
    covered = _covered(on, np.minimum(off, w.length))
    gaps = on[1:] - off[:-1]
    f["rests.silent_share"] = 1.0 - covered / w.length
    f["rests.gaps_over_1"] = float((gaps > 1).sum())
    f["rests.longest_gap"] = float(max(gaps.max(initial=0.0), on[0], w.length - off.max()))
    f["rests.first_onset"] = float(on[0])
    f["rests.notes_per_beat"] = len(p) / w.length
    return f


def _covered(on: np.ndarray, off: np.ndarray) -> float:
    """Beats during which at least one note sounds (the union of the spans)."""
    total, reach = 0.0, -np.inf
    for a, b in zip(on, off):
        if b <= reach:
            continue
        total += b - max(a, reach)
        reach = b
    return total


def family(feature: str) -> str:
    return feature.split(".", 1)[0]


# --- n-gram models over intervals and durations ------------------------------------------

DUR_EDGES = (0.10, 0.18, 0.30, 0.45, 0.60, 0.90, 1.50)
N_DUR = len(DUR_EDGES) + 1
N_IV = 28  # intervals -13..13 (13: 13 or more) and 27: no previous note
# name: (order, alphabet size)
NGRAMS = {"joint2": (2, N_IV * N_DUR), "interval3": (3, N_IV), "duration3": (3, N_DUR)}


def tokens(w: Window) -> dict[str, np.ndarray]:
    """A window's notes as token sequences: interval, duration class and both."""
    iv = np.concatenate(([27], np.clip(np.diff(w.pitch), -13, 13) + 13)).astype(np.int64)
    dc = np.searchsorted(DUR_EDGES, w.off - w.on, side="right").astype(np.int64)
    return {"joint2": iv * N_DUR + dc, "interval3": iv, "duration3": dc}


@dataclass(frozen=True)
class Events:
    """Every token of every window in a flat array, each with its context (the tokens
    before it, begin-padded) and its window: fitting and scoring are bincounts."""

    context: np.ndarray
    token: np.ndarray
    owner: np.ndarray
    size: int  # alphabet
    contexts: int
    windows: int


def events(seqs: list[np.ndarray], order: int, size: int) -> Events:
    ctx, tok, own = [], [], []
    base = size + 1  # the begin symbol is ``size``
    for k, s in enumerate(seqs):
        padded = np.concatenate((np.full(order - 1, size, np.int64), s))
        c = np.zeros(len(s), np.int64)
        for j in range(order - 1):
            c = c * base + padded[j:j + len(s)]
        ctx.append(c)
        tok.append(s)
        own.append(np.full(len(s), k, np.int64))
    return Events(np.concatenate(ctx), np.concatenate(tok), np.concatenate(own), size,
                  base ** (order - 1), len(seqs))


def fit_ngram(ev: Events, windows: np.ndarray, strength: float = 2.0) -> np.ndarray:
    """log P(token | context) table from the events of ``windows`` (bool mask):
    counts smoothed towards the add-one unigram."""
    sel = windows[ev.owner]
    counts = np.bincount(ev.context[sel] * ev.size + ev.token[sel],
                         minlength=ev.contexts * ev.size).reshape(ev.contexts, ev.size)
    uni = (counts.sum(axis=0) + 1.0) / (counts.sum() + ev.size)
    probs = (counts + strength * uni) / (counts.sum(axis=1, keepdims=True) + strength)
    return np.log(probs)


def mean_logprob(ev: Events, table: np.ndarray) -> np.ndarray:
    """Each window's mean log-probability per token under ``table``."""
    lp = table[ev.context, ev.token]
    n = np.bincount(ev.owner, minlength=ev.windows)
    return np.bincount(ev.owner, weights=lp, minlength=ev.windows) / np.maximum(n, 1)


def ngram_llr(ev: Events, positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """Per window: mean log P under the model of the ``positive`` windows minus under
    that of the ``negative`` windows (masks; train them on training folds only)."""
    return mean_logprob(ev, fit_ngram(ev, positive)) - mean_logprob(ev, fit_ngram(ev, negative))
