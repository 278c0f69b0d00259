"""``improv tokens``: tokenise a MIDI file and print what the grammar makes of it.

Bars, notes, values, distinct values, type shares, the commonest values and the round
trip (every note encoded, then decoded with the same chord and previous pitch, must
land on its type inside its range), for the whole piece or a quarter-note window.
Exit status 1 when the round trip is not perfect: that is a bug in the grammar.
"""

from __future__ import annotations

import json
import logging
import os
import sys

from improv.errors import UsageError
from improv.learning.corpus import Piece, load_piece
from improv.learning.tokenstats import most_frequent, round_trip, type_shares

log = logging.getLogger(__name__)


def add_arguments(parser) -> None:
    parser.add_argument("path", metavar="PATH", help="a MIDI file")
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
    piece = load_piece(args.path, args.melody_track, chords, cache=not args.no_cache)
    fig = figures(piece, args.start, args.end, args.top)
    try:
        print(json.dumps(fig, indent=1) if args.json else render(fig), flush=True)
    except BrokenPipeError:  # the reader went away (``| head``): not an error here
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if fig["round_trip"]["notes_passed"] != fig["round_trip"]["notes"] or \
            fig["round_trip"]["rests_passed"] != fig["round_trip"]["rests"]:
        log.error("the round trip is not perfect: a bug in improv.language.grammar or improv.language.harmony")
        return 1
    return 0
