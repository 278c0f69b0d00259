"""``improv feel``: learn the soloists' time feel and articulation from the Weimar Jazz
Database (:mod:`improv.learning.feel.timefeel`), print the swing ratio and lay-back by tempo,
and with ``--save`` write the table the melody plays with (how ``data/feel/wjazzd.json``
is made)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--wjazzd", metavar="DIR",
                        help="the Weimar Jazz Database folder (melody/ and beats/ inside; "
                             "default ../shared/corpus/wjazzd beside the repository)")
    parser.add_argument("--save", metavar="FILE.json",
                        help="write the learned table there (data/feel/wjazzd.json is "
                             "made so)")
    parser.add_argument("--json", action="store_true", help="print the swing table as JSON")


def run(args) -> int:
    from improv.commands.evaluate import wjazzd_folder
    from improv.files import atomic_write, check_output
    from improv.learning import timednotes
    from improv.learning.feel import timefeel
    from improv.learning.wjd import solo_paths

    if args.save:
        check_output(args.save, "--save", {".json": "json"})  # before the work
    folder = wjazzd_folder(args.wjazzd)
    dropped: Counter = Counter()
    solos, names, total = [], [], 0
    for path in solo_paths(folder):
        beats, rows = timednotes.load_pair(path)
        total += len(rows)
        solos.append(timednotes.solo_notes(beats, rows, dropped))
        names.append(path.stem)  # the styles name their solos, as the players do
    table = timefeel.learn(solos, names=names)
    swing = timefeel.swing_table(solos)
    used = sum(len(s) for s in solos)
    off_grid = sum(n.twelfth is None for s in solos for n in s)
    if args.json:
        print(json.dumps({"swing": swing, "notes": total, "used": used,
                          "dropped": dict(dropped), "off_grid": off_grid}, indent=1))
    else:
        print(f"{len(solos)} Weimar solos, {total} notes: {used} used, "
              f"{total - used} dropped; {off_grid} off the twelfth grid (division "
              f"5, 7, 8, ...) left out of the onset table")
        for reason, count in dropped.most_common():
            print(f"  dropped {count:>6}  {reason}")
        print(f"{'tempo BPM':<10} {'eighths':>8} {'phase':>6} {'swing':>6} "
              f"{'on-beat':>8} {'lay-back ms':>11} {'(median)':>9}")
        for row in swing:
            print(f"{row['tempo']:<10} {row['offbeat_eighths']:>8} {_num(row['phase'], 6, 3)} "
                  f"{_num(row['swing_ratio'], 6, 2)} {row['on_beat_notes']:>8} "
                  f"{_num(row['layback_ms'], 11, 1)} {_num(row['layback_median_ms'], 9, 1)}")
        print(f"serial correlation from note to note: onsets {table['onset']['serial']}, "
              f"lengths {table['length']['serial']}")
    if args.save:
        save = Path(args.save)
        table = {"source": "Weimar Jazz Database (ODbL 1.0), every solo's notes: "
                           "improv.learning.feel.timefeel",
                 "made_by": f"improv feel --wjazzd {folder.name} --save {save.name}",
                 "solos": len(solos), "notes": used, "dropped": dict(dropped),
                 "swing": swing, **table}
        with atomic_write(save, "w", encoding="utf-8", durable=True) as fh:
            fh.write(_compact(table))
        print(f"time feel of {len(solos)} Weimar solos written to {save}")
    return 0


def _num(x, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:>{width}.{digits}f}"


def _compact(table: dict) -> str:
    """JSON with each innermost list on one line: small, and a diff shows which cell moved."""
    text = json.dumps(table, indent=1)
    return re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\s+", " ", m.group(0))
                  .replace("[ ", "[").replace(" ]", "]"), text) + "\n"
