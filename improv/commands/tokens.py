"""``improv tokens``: tokenise a MIDI file, a Weimar Jazz Database solo or the whole
database folder, and print what the grammar makes of it.

Bars, notes, values, distinct values, type shares, the commonest values and the round
trip (every note encoded, then decoded with the same chord and previous pitch, must
land on its type inside its range), for the whole piece or a quarter-note window; for
the folder, the same figures over every solo, then a line of counts per solo.
Exit status 1 when the round trip is not perfect: that is a bug in the grammar.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from collections import Counter

from improv.errors import UsageError
from improv.learning.corpus import Piece, load_piece
from improv.learning.tokenstats import RoundTrip, most_frequent, round_trip, type_shares

log = logging.getLogger(__name__)


def add_arguments(parser) -> None:
    parser.add_argument("path", metavar="PATH",
                        help="a MIDI file, a Weimar solo (wjazzd/melody/NAME.csv) or the "
                             "wjazzd folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--melody-track", metavar="T",
                        help="the melody track, by index (0-based, in file order) or "
                             "name (default: guessed)")
    parser.add_argument("--chord-tracks", metavar="T[,T…]",
                        help="the chord tracks, comma-separated indices or names "
                             "(default: guessed)")
    parser.add_argument("--start", type=float, metavar="Q",
                        help="window start, in quarter notes from the top (e.g. 476)")
    parser.add_argument("--end", type=float, metavar="Q",
                        help="window end, in quarter notes (e.g. 548)")
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="how many of the most frequent values to list (default 10)")
    parser.add_argument("--no-cache", action="store_true",
                        help="parse the MIDI again instead of using the token cache")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")


def figures(piece: Piece, start: float | None = None, end: float | None = None,
            top: int = 10) -> dict:
    """Every figure ``improv tokens`` prints, for the bars overlapping ``[start, end)``."""
    windowed = start is not None or end is not None
    bars = piece.window(start or 0.0, end) if windowed else piece.bars
    if not bars:
        raise UsageError(f"the window {start or 0:g}..{end if end is not None else piece.end:g} "
                         f"holds no bar: the piece spans quarters 0..{piece.end:g}")
    values = [v for bar in bars for v in bar.values]
    notes = [n for bar in bars for n in bar.notes]
    trip = round_trip(piece.events(bars))
    return {
        "source": piece.source,
        "sha256": piece.sha256,
        "melody_track": piece.melody_track,
        "chord_tracks": list(piece.chord_tracks),
        "window": {"start": bars[0].offset, "end": bars[-1].offset + bars[-1].length,
                   "first_bar": bars[0].index, "last_bar": bars[-1].index} if windowed else None,
        "bars": len(bars),
        "notes": sum(n.pitch is not None for n in notes),
        "rests": sum(n.pitch is None for n in notes),
        "values": len(values),
        "distinct_values": len(set(values)),
        "distinct_chords": len({c.name for bar in bars for _o, c in bar.chords}),
        "type_shares": type_shares(values),
        "most_frequent": [[v, k] for v, k in most_frequent(values, top)],
        "round_trip": {"percent": trip.percent, "notes": trip.notes,
                       "notes_passed": trip.notes_passed, "rests": trip.rests,
                       "rests_passed": trip.rests_passed, "failures": list(trip.failures)},
    }


def folder_figures(pieces: list[Piece], top: int = 10) -> dict:
    """The figures over many pieces (each round trip within its own piece), and a
    ``per_piece`` list of counts."""
    values = [v for p in pieces for v in p.values()]
    notes = [n for p in pieces for bar in p.bars for n in bar.notes]
    trips = [round_trip(p.events()) for p in pieces]
    trip = RoundTrip(sum(t.notes for t in trips), sum(t.notes_passed for t in trips),
                     sum(t.rests for t in trips), sum(t.rests_passed for t in trips),
                     tuple(f for t in trips for f in t.failures)[:5])
    metres = {p.source: f"{Counter(b.length for b in p.bars).most_common(1)[0][0]:g}/4"
              for p in pieces}  # each solo's commonest bar length
    return {
        "source": f"{len(pieces)} solos in {os.path.dirname(os.path.dirname(pieces[0].source))}",
        "sha256": hashlib.sha256("".join(p.sha256 for p in pieces).encode()).hexdigest(),
        "melody_track": "wjazzd melody", "chord_tracks": ["wjazzd beats"], "window": None,
        "bars": sum(len(p.bars) for p in pieces),
        "notes": sum(n.pitch is not None for n in notes),
        "rests": sum(n.pitch is None for n in notes),
        "values": len(values), "distinct_values": len(set(values)),
        "distinct_chords": len({c.name for p in pieces for b in p.bars for _o, c in b.chords}),
        "type_shares": type_shares(values),
        "most_frequent": [[v, k] for v, k in most_frequent(values, top)],
        "round_trip": {"percent": trip.percent, "notes": trip.notes,
                       "notes_passed": trip.notes_passed, "rests": trip.rests,
                       "rests_passed": trip.rests_passed, "failures": list(trip.failures)},
        "metres": {m: list(metres.values()).count(m) for m in sorted(set(metres.values()))},
        "per_piece": [{"solo": os.path.basename(p.source), "metre": metres[p.source],
                       "bars": len(p.bars),
                       "notes": sum(n.pitch is not None for b in p.bars for n in b.notes),
                       "values": len(p.values())} for p in pieces],
    }


def render(fig: dict) -> str:
    """The figures as the aligned text ``improv tokens`` prints."""
    trip = fig["round_trip"]
    where = "whole piece"
    if fig["window"]:
        w = fig["window"]
        where = f"quarters {w['start']:g}..{w['end']:g} (bars {w['first_bar']}..{w['last_bar']})"
    lines = [
        f"file             {fig['source']}  (sha256 {fig['sha256'][:12]}…)",
        f"melody track     {fig['melody_track']}",
        f"chord tracks     {', '.join(fig['chord_tracks'])}",
        f"span             {where}",
        f"bars             {fig['bars']}",
        f"notes            {fig['notes']} (+ {fig['rests']} rests)",
        f"values           {fig['values']}",
        f"distinct values  {fig['distinct_values']}",
        f"distinct chords  {fig['distinct_chords']}",
        "types            " + "  ".join(f"{t} {100 * s:.1f}%" for t, s in fig["type_shares"].items()),
        f"round trip       {trip['percent']:.2f}% of {trip['notes']} notes decode to their type "
        f"inside their range ({trip['rests_passed']}/{trip['rests']} rests stay rests)",
    ]
    lines += [f"  failed: {f}" for f in trip["failures"]]
    lines.append("most frequent")
    lines += [f"  {count:6d}  {value}" for value, count in fig["most_frequent"]]
    if "per_piece" in fig:
        lines.append("metres           " + "  ".join(f"{m}: {k}" for m, k in fig["metres"].items()))
        lines.append("per solo         metre   bars  notes  values")
        lines += [f"  {p['solo'][:-4]:<44} {p['metre']:>5} {p['bars']:6d} {p['notes']:6d} "
                  f"{p['values']:7d}" for p in fig["per_piece"]]
    return "\n".join(lines)


def run(args) -> int:
    if args.start is not None and args.start < 0:
        raise UsageError(f"--start {args.start:g} is negative: give a quarter-note offset >= 0")
    if args.start is not None and args.end is not None and args.end <= args.start:
        raise UsageError(f"--end {args.end:g} is not after --start {args.start:g}: give a "
                         f"window such as --start 476 --end 548")
    if args.top < 0:
        raise UsageError(f"--top {args.top} is negative: give a count >= 0")
    chords = None
    if args.chord_tracks is not None:
        chords = [c for c in args.chord_tracks.split(",") if c.strip()]
        if not chords:
            raise UsageError("--chord-tracks is empty: give indices or names, e.g. "
                             "--chord-tracks Piano or --chord-tracks 6,8")
    fig = _figures(args, chords)
    try:
        print(json.dumps(fig, indent=1) if args.json else render(fig), flush=True)
    except BrokenPipeError:  # the reader went away (``| head``): not an error here
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if fig["round_trip"]["notes_passed"] != fig["round_trip"]["notes"] or \
            fig["round_trip"]["rests_passed"] != fig["round_trip"]["rests"]:
        log.error("the round trip is not perfect: a bug in improv.language.grammar or improv.language.harmony")
        return 1
    return 0


def _figures(args, chords) -> dict:
    """The figures of whatever ``args.path`` is: the folder, a solo or a MIDI file."""
    from pathlib import Path

    from improv.learning import wjd

    path = Path(args.path)
    cache = not args.no_cache
    if path.is_dir():
        if not wjd.is_folder(path):
            raise UsageError(f"{path} is a folder but not the Weimar Jazz Database's (no "
                             f"melody/ and beats/ inside): give a MIDI file, a solo's "
                             f"melody CSV or the wjazzd folder")
        if args.start is not None or args.end is not None:
            raise UsageError("--start/--end pick a window of one piece: give one solo or "
                             "MIDI file with them, not the folder")
        pieces = [wjd.load_solo_piece(p, cache) for p in wjd.solo_paths(path)]
        if not pieces:
            raise UsageError(f"{path}/melody holds no CSV file: give the wjazzd folder")
        return folder_figures(pieces, args.top)
    if path.suffix.lower() == ".csv":
        return figures(wjd.load_solo_piece(path, cache), args.start, args.end, args.top)
    return figures(load_piece(args.path, args.melody_track, chords, cache=cache),
                   args.start, args.end, args.top)
