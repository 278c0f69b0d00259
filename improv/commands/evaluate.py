"""``improv eval``: render a solo offline and put its musical figures beside the Weimar
solos' p10-p90 band of the same figures (:mod:`improv.analysis.solofigures`).

The solo is the melody the daemon would play (the model, the sampler and the decoder),
rendered without real time over the chosen progression, default 10 minutes at the
tempo. A figure outside the band is flagged. ``--png`` draws the first bars as a piano
roll with the chords shaded. Exit 0 either way: this measures.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from improv.errors import UsageError

MINUTES = 10.0
PNG_BARS = 16


def add_arguments(parser) -> None:
    from improv.language.standards import STANDARDS

    parser.add_argument("--config", metavar="PATH", help="settings file (as for play)")
    parser.add_argument("--model", metavar="NAME|DIR",
                        help="a shipped model (metheny, wjazzd) or a model directory "
                             "(default: the default shipped one)")
    parser.add_argument("--progression", metavar="NAME|CHORDS",
                        help=f"a standard ({', '.join(STANDARDS)}) or chord symbols, bars "
                             f"separated by '|'")
    parser.add_argument("--chart", metavar="NAME|FILE",
                        help="a lead sheet (MusicXML or text chart) or a shipped chart's name")
    parser.add_argument("--tempo", type=float, metavar="BPM", help="beats per minute (sets the length)")
    parser.add_argument("--bars", type=int, metavar="N",
                        help=f"bars to render (default: {MINUTES:g} minutes at the tempo)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--wjazzd", metavar="DIR",
                        help="compute the band from this Weimar Jazz Database folder instead "
                             "of reading the shipped one (data/bands/wjazzd.json)")
    parser.add_argument("--save-band", metavar="FILE.json",
                        help="write the band computed from --wjazzd to FILE.json (how "
                             "data/bands/wjazzd.json is made) and exit")
    parser.add_argument("--png", metavar="FILE",
                        help=f"also draw the first {PNG_BARS} bars as a piano roll (PNG), the "
                             f"chord sounding shaded")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")


def default_wjazzd() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "corpus" / "wjazzd"


def wjazzd_folder(given=None) -> Path:
    """The Weimar Jazz Database folder ``--wjazzd`` names (default: beside the
    repository); one line when no database is there."""
    from improv.learning.wjd import is_folder

    folder = Path(given) if given else default_wjazzd()
    if not is_folder(folder):
        raise UsageError(f"the Weimar Jazz Database is not at {folder}: pass --wjazzd with "
                         f"the wjazzd folder (melody/ and beats/ inside)")
    return folder


BAND_FILE = "wjazzd.json"  # in data/bands: the Weimar band eval compares with
MAX_BAND_BYTES = 100_000


def bands_dir() -> Path:
    from improv.model.modelfile import models_dir

    return models_dir().parent / "bands"


def shipped_band() -> tuple[dict, int]:
    """(band, solos) from data/bands/wjazzd.json: eval needs no corpus."""
    from improv.analysis.solofigures import FIGURES
    from improv.files import read_limited

    path = bands_dir() / BAND_FILE
    try:
        data = json.loads(read_limited(path, MAX_BAND_BYTES, "band file").decode("utf-8"))
        band = {key: (float(data["band"][key][0]), float(data["band"][key][1]))
                for key, _, _ in FIGURES}
        return band, int(data["solos"])
    except FileNotFoundError as err:
        raise UsageError(f"the shipped Weimar band {path} is missing: reinstall improv, or "
                         f"pass --wjazzd DIR to compute it from the database") from err
    except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
        raise UsageError(f"the shipped Weimar band {path} cannot be read ({err}): reinstall "
                         f"improv, or pass --wjazzd DIR") from err


def save_band(path: Path, band: dict, solos: int, folder: Path) -> None:
    from improv.files import atomic_write

    data = {"band": {k: [round(lo, 6), round(hi, 6)] for k, (lo, hi) in band.items()},
            "solos": solos, "percentiles": [10, 90],
            "source": "Weimar Jazz Database (ODbL 1.0): every solo's figures, "
                      "improv.analysis.solofigures",
            "made_by": f"improv eval --wjazzd {folder.name} --save-band {path.name}"}
    with atomic_write(path, "w", encoding="utf-8", durable=True) as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")


def weimar_band(folder: Path) -> tuple[dict, int]:
    from improv.analysis.solofigures import band

    figures = weimar_figures(folder)
    return band(figures), len(figures)


def weimar_figures(folder: Path) -> list[dict]:
    """Every Weimar solo's figures (:mod:`improv.analysis.solofigures`)."""
    from improv.analysis.solofigures import solo_figures
    from improv.learning.wjd import read_solo, solo_paths

    folder = wjazzd_folder(folder)
    figures = []
    for path in solo_paths(folder):
        # as performed (each note's onset and length as transcribed, in beats), as
        # improv's renders are: the silence between notes is the players' own
        solo = read_solo(path)
        length = float(len(solo.chords))
        notes = [(max(n.on, 0.0), n.on + n.length, n.pitch, solo.chord_at(n.on))
                 for n in solo.notes if n.on + n.length > 0 and n.on < length]
        figures.append(solo_figures(notes, length))
    return figures


def settings_for(config=None, model=None, progression=None, tempo=None, seed=1, chart=None):
    """The play settings an evaluation renders with (comping off: only the solo counts)."""
    from improv.commands import config as settings
    from improv.commands.charts import resolve
    from improv.language.standards import progression_text

    if progression is not None and chart is not None:
        raise UsageError("--chart and --progression both say what to play: give one")
    text = None if progression is None else progression_text(progression)
    cfg = settings.override(settings.load(config), {
        "model.path": ("--model", model), "progression": ("--progression", text),
        "chart": ("--chart", None if chart is None else str(resolve(chart).absolute())),
        "tempo": ("--tempo", tempo), "seed": ("--seed", seed), "count_in": ("--count-in", 0),
        "comping.enabled": ("--no-comping", False), "bass.enabled": ("--no-bass", False),
        "drums.enabled": ("--no-drums", False)})
    if progression is not None and chart is None:
        cfg = dataclasses.replace(cfg, chart="")
    # the feel and the model hear the tempo, as when playing (options.with_chart)
    return dataclasses.replace(cfg, feel=dataclasses.replace(cfg.feel, tempo=cfg.tempo))


def render(cfg, bars: int, chart=None):
    """(melody notes, band) of ``bars`` bars played with ``cfg`` (over ``chart``,
    default the one ``cfg`` names)."""
    from improv.commands.charts import chart_of
    from improv.commands.play import make_band, make_soloist

    chart = chart_of(cfg) if chart is None else chart
    soloist = make_soloist(cfg, cfg.seed, chart.beats_per_bar)
    band = make_band(cfg, soloist, cfg.seed, chart=chart)
    length = bars * chart.beats_per_bar
    notes = [n for n in band.advance(length) if n.part == "melody" and n.start < length]
    return notes, band


def write_png(path: Path, cfg, bars: int, chart, comping) -> None:
    """The first ``bars`` bars of the band as a piano roll: the solo (the same seed, so
    the same solo the figures measure) and ``comping``, the ``[comping]`` the config
    file sets, which the figures leave out."""
    from improv.analysis.pianoroll import piano_roll
    from improv.analysis.pianoroll import write_png as save
    from improv.commands.play import make_band, make_soloist
    from improv.files import atomic_write

    full = dataclasses.replace(cfg, comping=comping)
    band = make_band(full, make_soloist(full, full.seed, chart.beats_per_bar), full.seed,
                     chart=chart)
    beats = bars * band.beats_per_bar
    parts: dict[str, list] = {part.name: [] for part in band.parts if part.enabled}
    for note in band.advance(beats):
        if note.start < beats:
            parts[note.part].append((note.start, note.end, note.pitch))
    spans, at = [], 0
    while at < beats:
        span = band.span_at(at)
        spans.append((float(span.start), float(span.end), span.chord))
        at = span.end
    figure = piano_roll(parts, spans, beats, band.beats_per_bar,
                        title=f"{chart.title or 'improv'}, seed {cfg.seed}")
    try:
        with atomic_write(path, durable=True) as fh:
            save(figure, fh)
    except OSError as err:
        raise UsageError(f"cannot write --png {path} ({err.strerror or err}): choose a file "
                         f"in a folder that exists and is writable") from err


def run(args) -> int:
    from improv.analysis.solofigures import FIGURES, solo_figures
    from improv.commands.options import with_chart

    cfg = settings_for(args.config, args.model, args.progression, args.tempo, args.seed,
                       args.chart)
    cfg, chart = with_chart(args, cfg)
    metre = chart.beats_per_bar
    bars = args.bars if args.bars is not None else round(MINUTES * cfg.tempo / metre)
    if not 1 <= bars <= 100_000:
        raise UsageError(f"--bars {bars} is out of range: give 1 to 100000")
    png = Path(args.png) if args.png is not None else None
    if png is not None:  # before the work: a bad path or a missing extra is found at once
        from improv.analysis.pianoroll import matplotlib_figure
        from improv.commands import config as settings
        from improv.files import check_output

        check_output(png, "--png", {".png": "png"},
                     [settings.find(args.config), cfg.chart or None, cfg.model.directory])
        matplotlib_figure()
    if args.save_band and not args.wjazzd:
        raise UsageError("--save-band writes the band computed from the database: give "
                         "--wjazzd DIR too")
    if args.save_band:
        from improv.files import check_output

        check_output(args.save_band, "--save-band", {".json": "json"})  # before the work
    if args.wjazzd:
        wjd_band, solos = weimar_band(Path(args.wjazzd))
    else:
        wjd_band, solos = shipped_band()
    if args.save_band:
        save_band(Path(args.save_band), wjd_band, solos, Path(args.wjazzd))
        print(f"band of {solos} Weimar solos written to {args.save_band}")
        return 0
    notes, band = render(cfg, bars, chart)
    length = bars * metre
    figures = solo_figures([(n.start, n.end, n.pitch, n.chord) for n in notes], length)
    outside = [k for k, _, _ in FIGURES if not wjd_band[k][0] <= figures[k] <= wjd_band[k][1]]
    if png is not None:
        from improv.commands import config as settings

        write_png(png, cfg, min(bars, PNG_BARS), chart, settings.load(args.config).comping)
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
    if png is not None:
        print(f"piano roll of the first {min(bars, PNG_BARS)} bars written to {png}")
    sys.stdout.flush()
    return 0
