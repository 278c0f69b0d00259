"""Do improv's answers relate to the musician's calls? Calls cut from the Weimar solos.

Each call is two bars of a Weimar Jazz Database solo (4/4 solos, at least 6 notes,
starting on a bar line; one or two per solo, seeded). Its notes become grammar values
over the solo's own chords (:func:`improv.listening.trading.call_line`) and the
shipped model answers the way ``--trade`` does, under three conditions, from the same
random stream:

* **primed**: as ``--trade`` answers: the call fed through the LSTM
  (``Soloist.prime_nearest``), then sampled leaning towards the call's note lengths
  (``[listen] echo``, :func:`improv.listening.trading.echo_weights`);
* **primed, LSTM only**: the call fed, no echo (``--echo`` does not apply);
* **unrelated**: another solo's call fed and echoed instead (the same machinery);
* **unprimed**: zero state, nothing fed, no echo.

The answer's first bar (pitches realised over the chord after the call, from the
call's last pitch in every condition, so register plays no part) is compared with the
call by rhythm and contour, each a total-variation distance between two histograms
(0 same, 1 disjoint):

* rhythm: inter-onset intervals, in twelfths of a beat (rests included in the gap);
* contour: the direction of each step (down, same, up) and its size class
  (step <= 2, leap 3-7, jump > 7 semitones).

Distance = the mean of the two. As a yardstick, the same distance from each call to the
player's own next bar and to another solo's next bar. Reported: the mean distance per condition with its
spread (standard deviation) and a bootstrap 95% interval of the paired differences
(primed - control), and the share of calls where the primed answer is closer.

    .venv/bin/python benchmarks/call_answer.py [--calls 250] [--samples 4] [--model DIR]

(``improv train --corpus ../shared/corpus/wjazzd --out DIR`` trains a plain model on the
Weimar solos to compare with ``--model DIR``.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from improv.language.grammar import PitchLimits, decode  # noqa: E402
from improv.learning.wjd import read_solo, solo_paths  # noqa: E402
from improv.sampling.soloist import Soloist  # noqa: E402
from improv.listening.listener import ListenSettings  # noqa: E402
from improv.listening.trading import CallNote, call_line, echo_weights  # noqa: E402

WJD = REPO.parent / "shared" / "corpus" / "wjazzd"
CALL_BARS = 2
LIMITS = PitchLimits(40, 96)


def cut_calls(count: int, rng) -> list[dict]:
    calls = []
    paths = solo_paths(WJD)
    for path in paths:
        solo = read_solo(path)
        if solo.beats_per_bar != 4 or len(solo.bar_starts) < 4:
            continue
        starts = list(solo.bar_starts[1:-CALL_BARS - 1])
        rng.shuffle(starts)
        taken = 0
        for start in starts:
            end = start + 4 * CALL_BARS
            notes = [n for n in solo.notes if start <= n.on < end]
            if len(notes) < 6:
                continue
            after = [n for n in solo.notes if end <= n.on < end + 4]
            calls.append({"solo": solo.name, "start": start, "end": end,
                          "next_bar": ([n.on - end for n in after], [n.pitch for n in after]),
                          "notes": [CallNote(n.on, min(n.on + n.length, end), n.pitch)
                                    for n in notes],
                          "chord_at": solo.chord_at, "answer_chord": solo.chord_at(end)})
            taken += 1
            if taken == 2:
                break
    order = rng.permutation(len(calls))
    return [calls[k] for k in order[:count]]


def answer_bar(soloist: Soloist, call: dict, prime_with, echo: float, rng_seed: int):
    """The answer's first bar as (onsets in beats, pitches), as the melody part makes it
    (MelodyPart._prime_with_call): the call fed, then its rhythm echoed."""
    soloist.reset()
    soloist._rng = np.random.default_rng(rng_seed)  # one stream per sample, all conditions
    if prime_with is not None:
        soloist.prime_nearest(prime_with)
        soloist.echo(echo_weights(prime_with, soloist.values, echo), len(prime_with))
    soloist.restart_phrase(0)
    rng = np.random.default_rng(rng_seed + 1)
    beat, onsets, pitches = 0.0, [], []
    previous = anchor = call["notes"][-1].pitch
    while beat < 4.0:
        value = soloist.next_value()
        if not value.is_rest:
            pitch = decode(value, call["answer_chord"], previous, rng, LIMITS, anchor=anchor)
            onsets.append(beat)
            pitches.append(pitch)
            previous = anchor = pitch
        beat += value.duration
    return onsets, pitches


def features(onsets, pitches, length: float):
    ioi = np.diff(list(onsets) + [length])
    rhythm = np.bincount(np.clip(np.round(ioi * 12).astype(int), 0, 48), minlength=49)
    steps = np.diff(pitches)
    size = np.where(np.abs(steps) <= 2, 0, np.where(np.abs(steps) <= 7, 1, 2))
    contour = np.bincount((np.sign(steps) + 1) * 3 + size, minlength=9)
    return rhythm, contour


def tv(a, b) -> float:
    if a.sum() == 0 or b.sum() == 0:
        return 1.0
    return 0.5 * float(np.abs(a / a.sum() - b / b.sum()).sum())


def distance(call_feats, answer) -> float:
    rhythm, contour = features(*answer, 4.0)
    return 0.5 * (tv(call_feats[0], rhythm) + tv(call_feats[1], contour))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=250)
    parser.add_argument("--samples", type=int, default=4, help="answers per call and condition")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", help="model directory (default: the shipped one)")
    parser.add_argument("--echo", type=float, default=ListenSettings().echo,
                        help="[listen] echo for the answers (default as shipped)")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=0.95)
    args = parser.parse_args(argv)
    if not (WJD / "melody").is_dir():
        print(f"call_answer: the Weimar Jazz Database is not at {WJD}: put ../shared beside "
              f"the repository", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    calls = cut_calls(args.calls, rng)
    soloist = Soloist.load(args.model, temperature=args.temperature, top_p=args.top_p)
    values = [call_line(c["notes"], c["chord_at"]) for c in calls]
    exact = sum(str(v) in soloist.generator.vocab for vs in values for v in vs)
    total = sum(len(vs) for vs in values)
    print(f"{len(calls)} calls of {CALL_BARS} bars from {len({c['solo'] for c in calls})} "
          f"solos, {total} values ({exact / total:.0%} in the model's vocabulary, the rest "
          f"mapped to the nearest); {args.samples} answers per call and condition")
    results = {"primed": [], "primed, LSTM only": [], "unrelated": [], "unprimed": []}
    for k, call in enumerate(calls):
        onsets = [n.on - call["start"] for n in call["notes"]]
        feats = features(onsets, [n.pitch for n in call["notes"]], 4.0 * CALL_BARS)
        other = values[(k + len(calls) // 2) % len(calls)]
        for name, prime, echo in (("primed", values[k], args.echo),
                                  ("primed, LSTM only", values[k], 0.0),
                                  ("unrelated", other, args.echo), ("unprimed", None, 0.0)):
            d = [distance(feats, answer_bar(soloist, call, prime, echo, 1000 * k + s))
                 for s in range(args.samples)]
            results[name].append(np.mean(d))
    # the yardstick: how close a player's own next bar is, against another solo's
    own, other_bar = [], []
    for k, call in enumerate(calls):
        onsets = [n.on - call["start"] for n in call["notes"]]
        feats = features(onsets, [n.pitch for n in call["notes"]], 4.0 * CALL_BARS)
        theirs, another = call["next_bar"], calls[(k + len(calls) // 2) % len(calls)]["next_bar"]
        if len(theirs[0]) >= 2 and len(another[0]) >= 2:
            own.append(distance(feats, theirs))
            other_bar.append(distance(feats, another))
    res = {k: np.array(v) for k, v in results.items()}
    print("distance from the call (0 same, 1 nothing shared): mean +- sd over calls")
    for name, d in res.items():
        print(f"  {name:<17} {d.mean():.3f} +- {d.std():.3f}")
    print(f"  (the player's own next bar {np.mean(own):.3f}, another solo's next bar "
          f"{np.mean(other_bar):.3f}, over the {len(own)} calls with two notes or more in both)")
    boot = np.random.default_rng(args.seed + 7)
    for primed, control in (("primed", "unrelated"), ("primed", "unprimed"),
                            ("primed, LSTM only", "unrelated"), ("primed, LSTM only", "unprimed")):
        diff = res[primed] - res[control]
        means = [diff[boot.integers(0, len(diff), len(diff))].mean() for _ in range(2000)]
        lo, hi = np.percentile(means, [2.5, 97.5])
        print(f"  {primed} - {control}: {diff.mean():+.3f} (95% CI {lo:+.3f} .. {hi:+.3f}); "
              f"closer in {np.mean(diff < 0):.0%} of calls, "
              f"{-diff.mean() / res[control].mean():.1%} closer on average")
    return 0


if __name__ == "__main__":
    sys.exit(main())
