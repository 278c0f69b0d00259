"""``improv calibrate``: fit a model's calibration (:mod:`improv.sampling.calibration`)
against the Weimar solos, and with ``--save`` write it beside the model (how
``data/models/wjazzd/calibration.json`` is made).

Targets: the share of each note duration and each interval among the values of the
solos of each tempo band, as the model was trained on them. Each round renders the solo
over the first ``--bars`` bars of every solo's own changes at its tempo, with
``./config.toml``'s settings where there is one, as ``improv eval`` does (the
repository's holds the defaults), and the same seeds every round, so rounds differ only
by the factors; it counts the values drawn and moves
each factor by the ratio of the players' share to the one drawn (damped, kept inside
the calibration's limits); a class either side has seen fewer than ``MIN_COUNT`` times
keeps its factor. It prints, per round and band, how far the drawn shares are from the
players' (total variation distance: half the summed absolute differences).
"""

from __future__ import annotations

import bisect
import dataclasses
import zlib
from pathlib import Path

import numpy as np

from improv.errors import UsageError

DAMPING = 0.7  # each round moves a factor by this power of the ratio
MIN_COUNT = 30
METRES = range(2, 8)


def add_arguments(parser) -> None:
    parser.add_argument("--wjazzd", metavar="DIR",
                        help="the Weimar Jazz Database folder (default ../shared/corpus/wjazzd "
                             "beside the repository)")
    parser.add_argument("--model", default="", metavar="NAME|DIR",
                        help="the model to calibrate (default: the default shipped model)")
    parser.add_argument("--save", metavar="FILE.json",
                        help="write the calibration there (beside the model as "
                             "calibration.json, where the player looks for it)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of fitting (default 4)")
    parser.add_argument("--bars", type=int, default=24,
                        help="bars rendered over each solo's changes per round (default 24)")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="render over every K-th solo only (default 1: all; a quick look)")


def run(args) -> int:
    from improv.commands.evaluate import default_wjazzd
    from improv.files import atomic_write, check_output
    from improv.language import context
    from improv.learning.wjd import is_folder, solo_paths
    from improv.model import modelfile
    from improv.sampling.calibration import Calibration, to_json

    folder = Path(args.wjazzd) if args.wjazzd else default_wjazzd()
    where = modelfile.resolve(args.model or None)
    modelfile.load(where)  # a missing or broken model is one line now, not after the work
    if args.save:  # before the work; never over the model's own files or the corpus
        check_output(args.save, "--save", {".json": "json"},
                     inputs=(where / modelfile.META, where / modelfile.VOCAB,
                             where / modelfile.WEIGHTS, folder))
    if not is_folder(folder):
        raise UsageError(f"the Weimar Jazz Database is not at {folder}: pass --wjazzd with "
                         f"the wjazzd folder (melody/ and beats/ inside)")
    for name in ("rounds", "bars", "every"):
        if not 1 <= getattr(args, name) <= 1000:
            raise UsageError(f"--{name} {getattr(args, name)} is out of range: give 1 to 1000")
    meta = modelfile.read_meta(where / modelfile.META)
    if not meta.get("weights_sha256"):
        raise UsageError(f"{where}/model.json names no weights hash, which a calibration "
                         f"must name: retrain it with improv train")
    if meta.get("features") != "context-v3":
        raise UsageError(f"{where} does not hear the tempo (features {meta.get('features')}): "
                         f"only a context-v3 model can be calibrated by tempo band")
    bands = len(context.TEMPO_EDGES) + 1
    paths = solo_paths(folder)
    target_d, target_i = corpus_counts(paths, bands)
    jobs = render_jobs(paths[::args.every], args.bars)
    print(f"{len(paths)} Weimar solos; rendering over {len(jobs)} of them, {args.bars} bars "
          f"each, {args.rounds} rounds")
    table = Calibration.neutral(bands)
    for number in range(args.rounds + 1):
        drawn_d, drawn_i = drawn_counts(where, jobs, table, bands)
        report(number, target_d, target_i, drawn_d, drawn_i)
        if number < args.rounds:
            table = refit(table, target_d, target_i, drawn_d, drawn_i)
    if args.save:
        save = Path(args.save)
        text = to_json(table, meta.get("weights_sha256"),
                       f"improv calibrate --wjazzd {folder.name} --model {args.model or 'wjazzd'} "
                       f"--save {save.name} --rounds {args.rounds} --bars {args.bars}",
                       source="Weimar Jazz Database (ODbL 1.0): the values of every solo, "
                              "and renders over their changes")
        with atomic_write(save, "w", encoding="utf-8", durable=True) as fh:
            fh.write(text)
        print(f"calibration written to {save}")
    return 0


def corpus_counts(paths, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """(bands × duration classes, bands × interval classes): the players' note values."""
    from improv.language import context
    from improv.language.grammar import parse_value
    from improv.learning.wjd import load_solo_piece
    from improv.sampling.calibration import N_DURATIONS, N_INTERVALS

    durations, intervals = np.zeros((bands, N_DURATIONS)), np.zeros((bands, N_INTERVALS))
    for path in paths:
        piece = load_solo_piece(path)
        if piece.tempo is None:  # no beat track to time it by: rendered over by no job
            continue
        band = context.tempo_slot(piece.tempo) - context.TEMPO_OFFSET
        count_values((parse_value(v) for v in piece.values()), durations[band], intervals[band])
    return durations, intervals


def count_values(values, durations: np.ndarray, intervals: np.ndarray) -> None:
    """Add each note value's duration and interval class (rests left out)."""
    from improv.sampling.calibration import duration_class, interval_class

    for value in values:
        if not value.is_rest:
            durations[duration_class(value)] += 1
            intervals[interval_class(value)] += 1


def render_jobs(paths, bars: int) -> list[tuple[object, float, int]]:
    """(chart, tempo, seed) over each solo's changes (solos in an odd metre left out)."""
    from improv.learning.wjd import read_solo, solo_chart
    from improv.timing.tempo import MAX_TEMPO, MIN_TEMPO

    jobs = []
    for path in paths:
        solo = read_solo(path)
        chart = solo_chart(solo, bars)
        if chart is None or chart.beats_per_bar not in METRES or solo.tempo is None:
            continue
        tempo = min(max(solo.tempo, MIN_TEMPO), MAX_TEMPO)
        jobs.append((chart, round(tempo, 1), zlib.crc32(path.name.encode()) % 2**31))
    return jobs


def drawn_counts(model: Path, jobs, table, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """The note values the soloist draws over ``jobs`` with ``table``, counted by band."""
    from improv.commands.evaluate import settings_for
    from improv.commands.play import make_band
    from improv.language import context
    from improv.model.engines import load_generator
    from improv.sampling.calibration import N_DURATIONS, N_INTERVALS

    durations, intervals = np.zeros((bands, N_DURATIONS)), np.zeros((bands, N_INTERVALS))
    generator = load_generator(model)
    for chart, tempo, seed in jobs:
        cfg = settings_for(None, model=str(model), tempo=tempo, seed=seed)
        soloist = _counting(generator, dataclasses.replace(
            cfg.sampling, seed=seed, beats_per_bar=chart.beats_per_bar, calibrate=True), table)
        band = make_band(cfg, soloist, seed, chart=chart)
        band.advance(len(chart.bars) * chart.beats_per_bar)
        row = bisect.bisect_right(context.TEMPO_EDGES, tempo)
        count_values((soloist.values[i] for i in soloist.drawn), durations[row], intervals[row])
    return durations, intervals


def refit(table, target_d, target_i, drawn_d, drawn_i):
    """The factors moved towards the players' shares (module doc)."""
    from improv.sampling.calibration import HIGH, LOW, Calibration

    def moved(factors, target, drawn, fixed=()):
        out = np.array(factors, float)
        for band in range(len(out)):
            t, d = target[band], drawn[band]
            ok = (t >= MIN_COUNT) & (d >= MIN_COUNT)
            ok[list(fixed)] = False
            if not ok.any():
                continue
            ratio = (t[ok] / t[ok].sum()) / (d[ok] / d[ok].sum())
            out[band, ok] = np.clip(out[band, ok] * ratio ** DAMPING, LOW, HIGH)
        return tuple(tuple(float(round(x, 4)) for x in row) for row in out)

    # a phrase's first note (no interval) is drawn where nothing else may be: no factor
    return Calibration(moved(table.duration, target_d, drawn_d),
                       moved(table.interval, target_i, drawn_i, fixed=(14,)))


def report(number: int, target_d, target_i, drawn_d, drawn_i) -> None:
    from improv.language import context

    edges = (0, *context.TEMPO_EDGES)
    cells = []
    for band in range(len(target_d)):
        if drawn_d[band].sum() == 0:
            continue
        cells.append(f"{edges[band]:.0f}+ BPM {_tv(target_d[band], drawn_d[band]):.3f}/"
                     f"{_tv(target_i[band, :14], drawn_i[band, :14]):.3f}")
    print(f"round {number}: distance durations/intervals  " + "  ".join(cells))


def _tv(a: np.ndarray, b: np.ndarray) -> float:
    return 0.5 * float(np.abs(a / max(a.sum(), 1) - b / max(b.sum(), 1)).sum())


def _counting(generator, settings, table):
    """A soloist with ``table`` that keeps every value it draws in ``.drawn``."""
    from improv.sampling.soloist import Soloist

    soloist, drawn = Soloist(generator, settings, table), []
    draw = soloist.next_index

    def next_index() -> int:
        drawn.append(draw())
        return drawn[-1]

    soloist.next_index, soloist.drawn = next_index, drawn
    return soloist
