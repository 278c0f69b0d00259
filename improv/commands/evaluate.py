"""``improv eval``: render a solo offline and put its musical figures beside the Weimar
solos' p10-p90 band of the same figures (:mod:`improv.performing.solofigures`).

The solo is the melody the daemon would play (the model, the sampler and the decoder),
rendered without real time over the chosen progression, default 10 minutes at the
tempo. A figure outside the band is flagged. Exit 0 either way: this measures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from improv.errors import UsageError

MINUTES = 10.0

def add_arguments(parser) -> None:

    parser.add_argument("--config", metavar="PATH", help="settings file (as for play)")
    parser.add_argument("--model", metavar="DIR", help="model directory (default: the shipped one)")
    parser.add_argument("--progression", metavar="CHORDS", help="chord symbols, bars separated by '|'")
    parser.add_argument("--tempo", type=float, metavar="BPM", help="beats per minute (sets the length)")
    parser.add_argument("--bars", type=int, metavar="N",
                        help=f"bars to render (default: {MINUTES:g} minutes at the tempo)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--wjazzd", metavar="DIR",
                        help="the Weimar Jazz Database folder for the band (default: "
                             "../shared/corpus/wjazzd beside a checkout)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")

def weimar_band(folder: Path) -> tuple[dict, int]:
    from improv.learning.wjd import is_folder, load_solo_piece, solo_paths
    from improv.performing.solofigures import band, solo_figures

    if not is_folder(folder):
        raise UsageError(f"the Weimar Jazz Database is not at {folder}: pass --wjazzd with "
                         f"the wjazzd folder (melody/ and beats/ inside)")
    figures = []
    for path in solo_paths(folder):
        piece = load_solo_piece(path)
        notes = [(bar.offset + n.offset, bar.offset + n.offset + n.duration, n.pitch,
                  bar.chord_at(n.offset)) for bar in piece.bars for n in bar.notes
                 if n.pitch is not None]
        figures.append(solo_figures(notes, piece.end))
    return band(figures), len(figures)

def run(args) -> int:
    from improv.commands import config as settings
    from improv.commands.play import make_performer, make_soloist
    from improv.language.grammar import BEATS_PER_BAR
    from improv.performing.solofigures import FIGURES, solo_figures

    cfg = settings.override(settings.load(args.config), {
        "model.path": ("--model", args.model), "progression": ("--progression", args.progression),
        "tempo": ("--tempo", args.tempo), "seed": ("--seed", args.seed),
        "comping.enabled": ("--no-comping", False)})
    bars = args.bars if args.bars is not None else round(MINUTES * cfg.tempo / BEATS_PER_BAR)
    if not 1 <= bars <= 100_000:
        raise UsageError(f"--bars {bars} is out of range: give 1 to 100000")
    folder = Path(args.wjazzd) if args.wjazzd else (
        Path(__file__).resolve().parents[3] / "shared" / "corpus" / "wjazzd")
    wjd_band, solos = weimar_band(folder)
    performer = make_performer(cfg, make_soloist(cfg, cfg.seed), cfg.seed)
    length = bars * BEATS_PER_BAR
    notes = [(n.start, n.end, n.pitch, n.chord) for n in performer.advance(length)
             if n.part == "melody" and n.start < length]
    figures = solo_figures(notes, length)
    outside = [k for k, _, _ in FIGURES if not wjd_band[k][0] <= figures[k] <= wjd_band[k][1]]
    if args.json:
        print(json.dumps({"bars": bars, "seed": cfg.seed, "progression": cfg.progression,
                          "figures": figures, "band": wjd_band, "solos": solos,
                          "outside": outside}, indent=1))
        return 0
    print(f"{bars} bars at {cfg.tempo:g} BPM, seed {cfg.seed}, {len(notes)} notes; band: "
          f"p10-p90 over {solos} Weimar solos")
    for key, label, fmt in FIGURES:
        lo, hi = wjd_band[key]
        flag = "  OUTSIDE" if key in outside else ""
        print(f"  {label:<36} {fmt.format(figures[key]):>8}   "
              f"{fmt.format(lo)} .. {fmt.format(hi)}{flag}")
    sys.stdout.flush()
    return 0
