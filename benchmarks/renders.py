"""Render a fixed set of files with fixed seeds, or compare two such sets byte for byte.

A refactoring that should not change the music is checked by rendering the set from a
checkout of the commit before it and from the one after, then comparing:

    git worktree add /tmp/before <commit>
    (cd /tmp/before && ../main/.venv/bin/python benchmarks/renders.py /tmp/renders-before)
    .venv/bin/python benchmarks/renders.py /tmp/renders-after
    .venv/bin/python benchmarks/renders.py --compare /tmp/renders-before /tmp/renders-after

Each render goes through the command line (``daemon.py --out``), the one interface both
commits share. The set: three shipped charts (4/4, 3/4, 5/4) with and without comping,
the Metheny model over a progression with swing, the sustained comping style, and a WAV
through the built-in synth where FluidSynth and a soundfont are installed.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

SEED = "7"
RENDERS = {
    f"{chart}-{comp}.mid": ["--chart", chart, f"--{comp}"]
    for chart in ("blues-in-f", "waltz-in-bb", "five-four") for comp in ("comping", "no-comping")
}
RENDERS["metheny-ii-v-swing.mid"] = ["--model", "metheny", "--progression",
                                     "Dm7 | G7 | Cmaj7 | A7", "--swing", "0.8"]
RENDERS["sustain.mid"] = ["--chart", "minor-blues", "--config", "{sustain}"]
RENDERS["synth.wav"] = ["--chart", "rhythm-changes", "--bars", "8"]


def render(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sustain = out / "sustain.toml"
    sustain.write_text('[comping]\nstyle = "sustain"\n', encoding="utf-8")
    for name, flags in RENDERS.items():
        flags = [f.replace("{sustain}", str(sustain)) for f in flags]
        if "--bars" not in flags:
            flags += ["--bars", "32"]
        done = subprocess.run([sys.executable, "daemon.py", "--out", str(out / name),
                               "--seed", SEED, "-q", *flags], capture_output=True, text=True)
        print(f"{name}: {'ok' if done.returncode == 0 else done.stderr.strip()}")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def compare(a: Path, b: Path) -> int:
    differ = 0
    for name in RENDERS:
        left, right = a / name, b / name
        if not left.exists() or not right.exists():
            print(f"{name:28s} missing in {a if not left.exists() else b}")
            continue
        same = left.read_bytes() == right.read_bytes()
        differ += not same
        print(f"{name:28s} {left.stat().st_size:8d} B  {digest(left)}  {digest(right)}  "
              f"{'identical' if same else 'DIFFERENT'}")
    return 1 if differ else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    parser.add_argument("--compare", action="store_true", help="compare two rendered sets")
    args = parser.parse_args(argv)
    if args.compare:
        if len(args.dirs) != 2:
            parser.error("--compare takes two folders")
        return compare(*args.dirs)
    render(args.dirs[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
