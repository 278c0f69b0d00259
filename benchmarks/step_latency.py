"""Per-step latency of the single-step generator, and start-up cost in fresh processes.

In one run, on the same model and the same random inputs:

* ``numpy``       NumpyGenerator.step (the daemon's default)
* ``keras``       KerasGenerator.step: the Keras single-step model through a tf.function
* ``predict``     the baseline: the same Keras single-step model, ``model.predict()`` per step
* ``soloist``     Soloist.next_value on numpy (sampling, constraints, re-primes included),
                  with the daemon's settings (top_p 0.95, rhythm grid) and with nucleus
                  sampling and the grid off (what they cost)

and the nucleus (top-p) cut alone on the model's own distributions: the sampler's
in-buffer cut against the argsort version it replaced (the baseline for that line);
then, in fresh subprocesses (three each, median; run first, while this process is still small),
the time from process start to the first sampled value and the child's peak RSS
(``VmHWM`` from /proc/self/status), for the numpy and keras engines.

    .venv/bin/python benchmarks/step_latency.py [--model DIR] [--steps 20000] [--predict-steps 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _model import choose_model  # noqa: E402

GOAL_P99_MS, GOAL_RATIO, GOAL_START_S, GOAL_RSS_MB = 0.15, 300.0, 1.0, 150.0

CHILD = """
import resource, sys, json
from improv.sampling.soloist import Soloist
soloist = Soloist.load(sys.argv[1], sys.argv[2], seed=1)
value = soloist.next_value()
# VmHWM is this process's own peak; ru_maxrss would carry over the parent's across exec.
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"value": str(value), "rss_mb": hwm / 1024,
                  "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "tf": "tensorflow" in sys.modules}), flush=True)
"""


def time_calls(fn, inputs, warmup: int = 20) -> np.ndarray:
    """Milliseconds per call of ``fn(x)`` for each x (after ``warmup`` untimed calls)."""
    for x in inputs[:warmup]:
        fn(x)
    out = np.empty(len(inputs))
    clock = time.perf_counter_ns
    for k, x in enumerate(inputs):
        t0 = clock()
        fn(x)
        out[k] = clock() - t0
    return out / 1e6


def argsort_nucleus(w: np.ndarray, top_p: float) -> None:
    """The previous top-p cut (allocates -w, the order, w[order] and the cumsum)."""
    order = np.argsort(-w, kind="stable")
    cum = np.cumsum(w[order])
    keep = int(np.searchsorted(cum, top_p * cum[-1])) + 1
    w[order[keep:]] = 0.0


def random_contexts(gen, rng, count: int) -> list[tuple[int, ...]]:
    """A conditioned model's inputs: random chords, motions and places in the bar."""
    if not gen.n_features:
        return [()] * count
    from fractions import Fraction

    from improv.language import context
    from improv.language.harmony import parse_chord

    chords = [parse_chord(c) for c in ("C7", "Dm7", "Gmaj7", "Bm7b5", "Ebdim7", "F6", "NC")]
    out = []
    for _ in range(count):
        a, b = rng.integers(len(chords), size=2)
        moment = context.features(chords[a], chords[b], Fraction(int(rng.integers(48)), 12),
                                  4, Fraction(int(rng.integers(1, 60)), 12))
        pitch = int(rng.integers(52, 85))
        out.append(context.for_model(context.with_tempo(
            context.with_pitch(moment, chords[a], pitch), 120.0), gen.n_features))
    return out


def time_nucleus(gen, inputs, top_p: float) -> dict[str, np.ndarray]:
    """Microseconds per top-p cut, both ways, on the probabilities the model gives."""
    from improv.sampling.nucleus import nucleus

    probs = [gen.step(*i).copy() for i in inputs[:5000]]
    work = np.empty_like(probs[0])
    buffers = np.empty_like(work), np.empty_like(work), np.empty(len(work), bool)

    def in_buffers(w, p):
        nucleus(w, p, *buffers)

    rows = {}
    for name, cut in (("argsort (baseline)", argsort_nucleus), ("in buffers", in_buffers)):
        def one(p, cut=cut):
            np.copyto(work, p)
            cut(work, top_p)
        rows[name] = time_calls(one, probs) * 1e3
    check_a, check_b = probs[0].copy(), probs[0].copy()
    argsort_nucleus(check_a, top_p)
    in_buffers(check_b, top_p)
    assert np.array_equal(check_a, check_b), "the two cuts disagree"
    return rows


def summary(ms: np.ndarray) -> tuple[float, float]:
    return float(np.median(ms)), float(np.percentile(ms, 99))


def start_to_first_value(model: Path, engine: str, runs: int = 3) -> tuple[float, float, str]:
    """Median seconds from spawning ``python`` to reading its first value, and peak RSS."""
    times, rss, value = [], [], ""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for _ in range(runs):
        t0 = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(model), engine],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        line = child.stdout.readline()
        times.append(time.perf_counter() - t0)
        child.wait()
        if child.returncode != 0 or not line:
            raise SystemExit(f"the {engine} child failed (exit {child.returncode})")
        report = json.loads(line)
        rss.append(report["rss_mb"])
        value = report["value"]
        if engine == "numpy" and report["tf"]:
            raise SystemExit("the numpy child imported TensorFlow")
    return float(np.median(times)), float(np.median(rss)), value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model directory (default: the default shipped model; or a shipped name such as wjazzd)")
    parser.add_argument("--steps", type=int, default=20000, help="timed steps for numpy and keras")
    parser.add_argument("--predict-steps", type=int, default=300, help="timed predict() steps")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    model, described = choose_model(args.model)
    print(f"model: {described}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs "
          f"(shared machine: figures are noisy)")

    print("fresh process: start -> first sampled value, peak RSS (median of 3)")
    starts = {}
    for engine in ("numpy", "keras"):
        seconds, rss, value = start_to_first_value(model, engine)
        starts[engine] = (seconds, rss)
        print(f"  {engine:<6} {seconds:6.3f} s  {rss:7.1f} MB   first value {value}")

    from improv.model import modelfile
    from improv.model.engines import load_generator
    from improv.sampling.soloist import Soloist

    gen = load_generator(model, "numpy")
    rng = np.random.default_rng(args.seed)
    inputs = list(zip((int(i) for i in rng.integers(gen.n_values, size=args.steps)),
                      random_contexts(gen, rng, args.steps)))
    print(f"n_a {gen.n_a}, {gen.n_values} values, {gen.n_features} context features")
    rows = {"numpy": time_calls(lambda x: gen.step(*x), inputs)}
    soloist = Soloist.load(model, "numpy", seed=args.seed)
    s = soloist.settings
    rows[f"soloist (top_p {s.top_p:g}, grid {'on' if s.rhythm_grid else 'off'})"] = time_calls(
        lambda _: soloist.next_value(), inputs)
    plain = Soloist.load(model, "numpy", seed=args.seed, top_p=1.0, rhythm_grid=False)
    rows["soloist (top_p 1, grid off)"] = time_calls(lambda _: plain.next_value(), inputs)

    import keras

    from improv.model.keras_engine import build_step_model, set_step_weights

    kgen = load_generator(model, "keras")
    rows["keras + tf.function"] = time_calls(lambda x: kgen.step(*x), inputs)

    step_model = build_step_model(gen.n_values, gen.n_a, "float32", gen.n_features)
    set_step_weights(step_model, modelfile.load(model).weights)
    state = [np.zeros((1, gen.n_a), np.float32), np.zeros((1, gen.n_a), np.float32)]
    width = gen.n_values + gen.n_features

    def predict_step(item):
        index, features = item
        x = np.zeros((1, 1, width), np.float32)
        x[0, 0, index] = 1.0
        x[0, 0, [gen.n_values + k for k in features]] = 1.0
        probs, state[0], state[1] = step_model.predict([x, state[0], state[1]], verbose=0)
        return probs

    rows["keras predict() per step (baseline)"] = time_calls(
        predict_step, inputs[:args.predict_steps], warmup=5)
    print(f"keras {keras.__version__}")

    print("\nper-step latency (ms)          steps   median      p99    predict/x median  p99")
    base_med, base_p99 = summary(rows["keras predict() per step (baseline)"])
    for name, ms in rows.items():
        med, p99 = summary(ms)
        print(f"  {name:<36} {len(ms):>6} {med:8.4f} {p99:8.4f}   {base_med / med:10.0f}x "
              f"{base_p99 / p99:6.0f}x")

    cuts = time_nucleus(gen, inputs, soloist.settings.top_p)
    print(f"\nnucleus cut alone (us), top_p {soloist.settings.top_p:g}, {gen.n_values} values"
          f"     median      p99   baseline/x median")
    cut_base = summary(cuts["argsort (baseline)"])[0]
    for name, us in cuts.items():
        med, p99 = summary(us)
        print(f"  {name:<36} {len(us):>6} {med:8.2f} {p99:8.2f}   {cut_base / med:10.1f}x")

    np_med, np_p99 = summary(rows["numpy"])
    print("\ngoals")
    checks = [
        (f"numpy step p99 {np_p99:.4f} ms <= {GOAL_P99_MS} ms", np_p99 <= GOAL_P99_MS),
        (f"predict()/numpy median ratio {base_med / np_med:.0f}x >= {GOAL_RATIO:.0f}x",
         base_med / np_med >= GOAL_RATIO),
        (f"numpy start -> first value {starts['numpy'][0]:.3f} s <= {GOAL_START_S} s",
         starts["numpy"][0] <= GOAL_START_S),
        (f"numpy peak RSS {starts['numpy'][1]:.1f} MB <= {GOAL_RSS_MB} MB",
         starts["numpy"][1] <= GOAL_RSS_MB),
    ]
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
