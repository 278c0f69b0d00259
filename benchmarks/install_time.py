"""Time of the README's run command's install step, from a clean clone, before and after.

For each revision (the baseline and the one under test) it clones this repository into a
temporary folder, checks the revision out and times exactly the install part of the
README's run command: ``python3 -m venv .venv && .venv/bin/pip install -q -e .``. Runs
alternate between the two revisions so a change in the machine's load hits both; each
figure is the median of ``--runs``, with the ratio and the size of the venv.

pip's download cache is used as it is (warm: what a second setup on a machine sees);
``--cold`` passes ``--no-cache-dir`` so every package is downloaded again (a new machine).

    .venv/bin/python benchmarks/install_time.py                     # c170526 vs HEAD
    .venv/bin/python benchmarks/install_time.py --cold --runs 1
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The last revision whose default install pulled in TensorFlow (before the 'train' extra).
BASELINE = "c170526"


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def install_once(rev: str, cold: bool) -> tuple[float, float]:
    """(seconds, venv MB) of one install of ``rev`` from a fresh clone."""
    work = Path(tempfile.mkdtemp(prefix="improv-install-"))
    try:
        clone = work / "improv"
        subprocess.run(["git", "clone", "-q", "--no-local", str(REPO), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", rev], check=True)
        pip = "--no-cache-dir " if cold else ""
        command = f"python3 -m venv .venv && .venv/bin/pip install -q {pip}-e ."
        started = time.perf_counter()
        subprocess.run(["bash", "-c", command], cwd=clone, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        return seconds, _size_mb(clone / ".venv")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"revision to compare with "
                                                             f"(default {BASELINE})")
    parser.add_argument("--rev", default="HEAD", help="revision under test (default HEAD)")
    parser.add_argument("--runs", type=int, default=3, help="installs of each (default 3)")
    parser.add_argument("--cold", action="store_true", help="no pip cache: download everything")
    args = parser.parse_args(argv)
    revs = {"baseline": args.baseline, "this": args.rev}
    times = {k: [] for k in revs}
    sizes = {}
    for run in range(args.runs):
        for key, rev in revs.items():
            seconds, size = install_once(rev, args.cold)
            times[key].append(seconds)
            sizes[key] = size
            print(f"run {run + 1}: {key:<8} {rev:<10} {seconds:7.1f} s  venv {size:7.0f} MB",
                  flush=True)
    base, this = statistics.median(times["baseline"]), statistics.median(times["this"])
    cache = "cold (--no-cache-dir)" if args.cold else "warm pip cache"
    print(f"\ninstall step ('python3 -m venv .venv && .venv/bin/pip install -q -e .'), "
          f"{cache}, median of {args.runs}:")
    print(f"  baseline {args.baseline}: {base:7.1f} s, venv {sizes['baseline']:.0f} MB")
    print(f"  {args.rev:<17} {this:7.1f} s, venv {sizes['this']:.0f} MB")
    print(f"  ratio baseline/this: {base / this:.1f}x faster, "
          f"{sizes['baseline'] / sizes['this']:.1f}x smaller")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
