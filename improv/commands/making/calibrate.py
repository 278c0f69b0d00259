"""``improv calibrate``: fit a model's calibration (:mod:`improv.sampling.calibration`)
against the Weimar solos, and with ``--save`` write it beside the model (how
``data/models/wjazzd/calibration.json`` is made).

Targets: the share of each note duration and each interval among the values of the
solos of each tempo band, as the model was trained on them, the share of each way
an interval goes from a pitch so far above or below the solo's median pitch (drawn: the
middle of the register the melody keeps to, moved to the player's), how often a run
of steps goes on by another, by its direction and length, and each rest length's rate
against the notes among the values drawn inside an open phrase, and how often each
interval follows each pair of intervals before it (the line, :mod:`improv.sampling.
followtables`: counted from a phrase's third note on, rests passed over), and the share
of each note length among the notes started at each twelfth of the beat (the phase:
counted from the first marked beat, as the values lie on the transcription's grid).
The players to play as (:mod:`improv.sampling.persona`) come from the same solos, and
each solo's changes are
rendered as that solo's own player, whose factors move too: by how its renders lean
against its band's over how its solo leant (:func:`~improv.commands.making.refit.
players_moved`). Counted from its solo alone, a run's share of sixteenths rose 1.1-1.7
times as fast as its player's, while triplets and repeated notes fell short
(``benchmarks/player_fidelity.py``). Each round renders the solo over every solo's own changes
at its tempo, the whole solo (or its first ``--bars`` bars: a quick look; fitted over
the first 24, whole renders came out with more short notes than the players', 41.8%
of the notes under 0.3 beat at 150-220 BPM against 35.4%, and 39.5% fitted whole), once
or ``--seeds N`` times, each with its own seed, with
``./config.toml``'s settings where there is one, as ``improv eval`` does (the
repository's holds the defaults), and the same seeds every round, so rounds differ only
by the factors; it counts the values drawn and moves
each factor by the ratio of the players' share to the one drawn (damped, kept inside
the calibration's limits: :mod:`improv.commands.making.refit`); a class either side has
seen fewer than ``MIN_COUNT`` times keeps its factor. It prints, per round and band, how far the drawn shares are from the
players' (total variation distance: half the summed absolute differences). The factors
are fitted with the lengths just played heard again (:mod:`improv.sampling.recency`), and
its weight is written beside them.
"""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path

import numpy as np

from improv.commands.making.fitreport import report, report_players
from improv.commands.making.refit import players_moved, refit
from improv.errors import UsageError

MIN_PLAYER_NOTES = 100  # a solo with fewer notes is no player to play as
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
    parser.add_argument("--rounds", type=int, default=7, help="rounds of fitting (default 7)")
    parser.add_argument("--bars", type=int, default=None,
                        help="bars rendered over each solo's changes per round (default: "
                             "the whole solo)")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="render over every K-th solo only (default 1: all; a quick look)")
    parser.add_argument("--seeds", type=int, default=1, metavar="N",
                        help="render over each solo N times, each with its own seed (so its "
                             "own player drawn), and fit to them all (default 1)")
    parser.add_argument("--recency", type=float, default=None, metavar="W",
                        help="how much the note lengths just played are heard again, 0 to "
                             "10 (improv.sampling.recency; default 1.0; 0: not at all, a "
                             "file as before it)")


def run(args) -> int:
    from improv.commands.evaluate import wjazzd_folder
    from improv.files import atomic_write, check_output
    from improv.language import context
    from improv.learning.wjd import solo_paths
    from improv.model import modelfile
    from improv.sampling import phasetable
    from improv.sampling.calibration import FOLLOW, N_DURATIONS, Calibration
    from improv.sampling.calibrationfile import to_json
    from improv.sampling import recency
    from improv.sampling.followtables import neutral

    folder = wjazzd_folder(args.wjazzd)
    where = modelfile.resolve(args.model or None)
    modelfile.load(where)  # a missing or broken model is one line now, not after the work
    if args.save:  # before the work; never over the model's own files or the corpus
        check_output(args.save, "--save", {".json": "json"},
                     inputs=(where / modelfile.META, where / modelfile.VOCAB,
                             where / modelfile.WEIGHTS, folder))
    for name in ("rounds", "bars", "every", "seeds"):
        if getattr(args, name) is not None and not 1 <= getattr(args, name) <= 1000:
            raise UsageError(f"--{name} {getattr(args, name)} is out of range: give 1 to 1000")
    weight = recency.WEIGHT if args.recency is None else args.recency
    if not 0 <= weight <= recency.MAX_WEIGHT:  # NaN too
        raise UsageError(f"--recency {args.recency} is out of range: give 0 to "
                         f"{recency.MAX_WEIGHT:g}")
    meta = modelfile.read_meta(where / modelfile.META)
    if not meta.get("weights_sha256"):
        raise UsageError(f"{where}/model.json names no weights hash, which a calibration "
                         f"must name: retrain it with improv train")
    if meta.get("features") != "context-v3":
        raise UsageError(f"{where} does not hear the tempo (features {meta.get('features')}): "
                         f"only a context-v3 model can be calibrated by tempo band")
    bands = len(context.TEMPO_EDGES) + 1
    paths = solo_paths(folder)
    target, players, own = corpus_counts(paths, bands)
    jobs = render_jobs(paths[::args.every], args.bars, args.seeds)
    length = "the whole of each" if args.bars is None else f"{args.bars} bars each"
    print(f"{len(paths)} Weimar solos; rendering over {len(jobs) // args.seeds} of them, "
          f"{length}, {args.seeds} seed{'s' if args.seeds > 1 else ''} each, "
          f"{args.rounds} rounds")
    table = dataclasses.replace(Calibration.neutral(bands), players=players,  # neutral,
                                **{name: neutral(name) for name in FOLLOW},  # but heard
                                recency=(weight, recency.NOTES, recency.DECAY) if weight else (),
                                phase=phasetable.neutral(bands, N_DURATIONS))
    print(f"{len(players)} of them to play as (their register and their mix of lengths and "
          f"intervals)")
    for number in range(args.rounds + 1):
        drawn, by_player = drawn_counts(where, jobs, table, bands)
        report(number, target, drawn)
        report_players(own, by_player)
        if number < args.rounds:
            table = refit(table, target, drawn)
            table = dataclasses.replace(table, players=players_moved(
                table.players, own, by_player, target, drawn))
    if args.save:
        save = Path(args.save)
        text = to_json(table, meta.get("weights_sha256"),
                       f"improv calibrate --wjazzd {folder.name} --model {args.model or 'wjazzd'} "
                       f"--save {save.name} --rounds {args.rounds}" +
                       ("" if args.bars is None else f" --bars {args.bars}") +
                       ("" if args.seeds == 1 else f" --seeds {args.seeds}") +
                       ("" if args.recency is None else f" --recency {args.recency:g}"),
                       source="Weimar Jazz Database (ODbL 1.0): the values of every solo, "
                              "and renders over their changes")
        with atomic_write(save, "w", encoding="utf-8", durable=True) as fh:
            fh.write(text)
        print(f"calibration written to {save}")
    return 0


def counts(bands: int) -> tuple[np.ndarray, ...]:
    """Empty tallies: bands × duration classes, bands × interval classes, the register's
    offset bins × interval steps, the run's direction × length × (a step on the same
    way, anything else), bands × (rest duration classes, then any note) of the
    values drawn inside an open phrase, bands × twelfths of the beat × duration classes
    of the notes (the phase), then each table of what follows what (the line's [before
    last][last][next])."""
    from improv.sampling.calibration import (
        FOLLOW,
        N_DURATIONS,
        N_INTERVALS,
        N_OFFSETS,
        N_STEPS,
        RUN_LENGTHS,
    )
    from improv.sampling.followtables import KINDS
    from improv.sampling.phasetable import PLACES

    return (np.zeros((bands, N_DURATIONS)), np.zeros((bands, N_INTERVALS)),
            np.zeros((N_OFFSETS, N_STEPS)), np.zeros((2, RUN_LENGTHS, 2)),
            np.zeros((bands, N_DURATIONS + 1)), np.zeros((bands, PLACES, N_DURATIONS)),
            *(np.zeros(KINDS[n][2]) for n in FOLLOW))


def count_follow(name: str, tally: np.ndarray, pair: tuple[int, int] | None, value) -> None:
    """Add ``value``, drawn after ``pair`` (:func:`~improv.sampling.followtables.pair_of`),
    to table ``name``'s tally where both are known (a rest adds nothing, nor does a
    phrase's first note to the line)."""
    from improv.sampling.followtables import KINDS

    here = KINDS[name][1](value)
    if pair is not None and here is not None:
        tally[pair][here] += 1


def count_inside(row: np.ndarray, value) -> None:
    """Add a value drawn inside an open phrase: its class if a rest, the last column
    if a note."""
    from improv.sampling.calibration import duration_class

    row[duration_class(value) if value.is_rest else -1] += 1


def count_phase(tally: np.ndarray, at: int | None, value) -> None:
    """Add a note value started ``at`` twelfths into the beat (None: not known; a rest
    adds nothing) to a band's phase tally."""
    from improv.sampling.calibration import duration_class
    from improv.sampling.phasetable import PLACES

    if at is not None and not value.is_rest:
        tally[at % PLACES, duration_class(value)] += 1


def count_run(runs: np.ndarray, run: tuple[int, int] | None, value) -> None:
    """Add whether ``value``, drawn after ``run`` (:func:`~improv.sampling.calibration.
    run_of`), went on by a step the same way (a rest ends a run as anything else does)."""
    from improv.sampling.calibration import UP, step_of

    if run is not None:
        runs[run][0 if step_of(value) == (1 if run[0] == UP else -1) else 1] += 1


def corpus_counts(paths, bands: int) -> tuple[tuple[np.ndarray, ...], tuple, dict]:
    """The players' note values (:func:`counts`; the pull's offsets against each solo's
    median pitch; the runs by the values' own intervals), each solo of MIN_PLAYER_NOTES notes
    or more as a player (:mod:`improv.sampling.persona`) against its tempo band, and each
    such solo's own (duration, interval) class counts by its name."""
    from improv.language import context
    from improv.language.grammar import DEFAULT_LIMITS, Phrase, parse_value, twelfths
    from improv.learning.wjd import load_solo_piece
    from improv.sampling.calibration import (
        FOLLOW,
        RUN_LENGTHS,
        offset_bin,
        run_of,
        step_class,
        step_of,
    )
    from improv.sampling.followtables import KINDS, PASS, pair_of
    from improv.sampling.persona import from_counts

    durations, intervals, pulls, runs, inside, phase, *follow = counts(bands)
    solos = []  # (name, band, median pitch, its durations, its intervals, its pitches)
    own = {}  # each player's (durations, intervals): what its renders are fitted to
    for path in paths:
        piece = load_solo_piece(path)
        if piece.tempo is None:  # no beat track to time it by: rendered over by no job
            continue
        band = context.tempo_slot(piece.tempo) - context.TEMPO_OFFSET
        own_d, own_i, *_ = counts(1)
        values = [parse_value(v) for v in piece.values()]
        count_values(values, own_d[0], own_i[0])
        steps: list[int] = []  # the last played first
        kinds: list = [[] for _ in FOLLOW]  # each table's last two kinds, the last first
        phrase = Phrase()
        at = 0  # twelfths from the first marked beat, where the values start
        for value in values:
            count_phase(phase[band], at, value)
            at += twelfths(value.duration)
            count_run(runs, run_of(steps), value)
            steps.insert(0, step_of(value))
            del steps[RUN_LENGTHS:]
            for name, tally, memory in zip(FOLLOW, follow, kinds):
                count_follow(name, tally, pair_of(memory, _same), value)
                kind = KINDS[name][0](value)
                if kind != PASS:
                    memory[:] = [kind, *memory][:2]
            if phrase.open:
                count_inside(inside[band], value)
            if value.is_rest:
                phrase.rest(value.duration)
            else:
                phrase.note()
        durations[band] += own_d[0]
        intervals[band] += own_i[0]
        events = [e for e in piece.events() if e.pitch is not None]
        if not events:
            continue
        middle = float(np.median([e.pitch for e in events]))
        for event in events:
            step = step_class(parse_value(event.value))
            if step is not None and event.previous is not None:
                pulls[offset_bin(event.previous, middle, middle), step] += 1
        if own_d.sum() >= MIN_PLAYER_NOTES:
            solos.append((Path(path).stem, band, middle, own_d[0], own_i[0],
                          [e.pitch for e in events]))
            own[Path(path).stem] = (own_d[0], own_i[0])
    # a player's register against the middle of the default limits (A♭2..E6: 66, the
    # players' median): with those limits a run sits where its solo sat
    middle = (DEFAULT_LIMITS.low + DEFAULT_LIMITS.high) / 2
    players = tuple(from_counts(name, m, middle, d, i, durations[band], intervals[band], band,
                                pitches)
                    for name, band, m, d, i, pitches in solos)
    return (durations, intervals, pulls, runs, inside, phase, *follow), players, own


def _same(kind):
    return kind


def count_values(values, durations: np.ndarray, intervals: np.ndarray) -> None:
    """Add each note value's duration and interval class (rests left out)."""
    from improv.sampling.calibration import duration_class, interval_class

    for value in values:
        if not value.is_rest:
            durations[duration_class(value)] += 1
            intervals[interval_class(value)] += 1


def render_jobs(paths, bars: int | None,
                seeds: int = 1) -> list[tuple[object, float, int, str]]:
    """(chart, tempo, seed, the solo's name) over each solo's changes (solos in an odd
    metre left out), ``seeds`` of them per solo: the first seeded by the solo's name
    alone (as with one), the others by its name and their number. A long render's run
    of 16th notes weighs much in a band's shares (``benchmarks/player_shorts.py``
    compares the fit's seeds with others)."""
    from improv.learning.wjd import read_solo, solo_chart
    from improv.timing.tempo import MAX_TEMPO, MIN_TEMPO

    jobs = []
    for path in paths:
        solo = read_solo(path)
        chart = solo_chart(solo, bars)
        if chart is None or chart.beats_per_bar not in METRES or solo.tempo is None:
            continue
        tempo = min(max(solo.tempo, MIN_TEMPO), MAX_TEMPO)
        for k in range(seeds):
            key = path.name if k == 0 else f"{path.name}#{k}"
            jobs.append((chart, round(tempo, 1), zlib.crc32(key.encode()) % 2**31, path.stem))
    return jobs


def drawn_counts(model: Path, jobs, table, bands: int) -> tuple[tuple[np.ndarray, ...], dict]:
    """The note values the soloist draws over ``jobs`` with ``table`` (:func:`counts`;
    the pull's offsets against the middle of the register it keeps to, the runs as the
    calibrator heard them), and each player's (duration, interval) counts by its name.
    Each solo's changes are played as that solo's player where it is one (elsewhere as
    the player the seed draws), so each player is fitted to its own solo, and the
    players rendered are the corpus's."""
    from improv.commands.evaluate import settings_for
    from improv.commands.play import make_band
    from improv.language import context
    from improv.model.engines import load_generator
    from improv.sampling.calibration import FOLLOW, step_class
    from improv.sampling.soloist import Soloist

    durations, intervals, pulls, runs, inside, phase, *follow = counts(bands)
    generator = load_generator(model)
    players = {p.solo: p for p in table.players}
    by_player: dict = {}
    for chart, tempo, seed, solo in jobs:
        cfg = settings_for(None, model=str(model), tempo=tempo, seed=seed)
        soloist = Soloist(generator, dataclasses.replace(
            cfg.sampling, seed=seed, beats_per_bar=chart.beats_per_bar, calibrate=True,
            landing=False, tempo=tempo), table, as_player=players.get(solo))  # the fit's own
        drawn: list = []
        soloist.observer = lambda index, place, s=soloist: drawn.append(
            (index, place, s.calibrator.last_run, s.calibrator.last_inside,
             [s.calibrator.heard(name) for name in FOLLOW], s.calibrator.last_phase))
        band = make_band(cfg, soloist, seed, chart=chart)
        band.advance(len(chart.bars) * chart.beats_per_bar)
        row = context.tempo_slot(tempo) - context.TEMPO_OFFSET
        these_d, these_i, *_ = counts(1)  # this render's, counted once: the band's, its player's
        count_values((soloist.values[d[0]] for d in drawn), these_d[0], these_i[0])
        durations[row] += these_d[0]
        intervals[row] += these_i[0]
        if soloist.player is not None:
            own_d, own_i = by_player.setdefault(soloist.player.solo, counts(1)[:2])
            own_d += these_d
            own_i += these_i
        for index, place, run, opened, pairs, at in drawn:
            value = soloist.values[index]
            count_phase(phase[row], at, value)
            step = None if value.is_rest else step_class(value)
            if step is not None and place is not None:
                pulls[soloist.calibrator.offset_bin(place), step] += 1
            count_run(runs, run, value)
            for name, tally, pair in zip(FOLLOW, follow, pairs):
                count_follow(name, tally, pair, value)
            if opened:
                count_inside(inside[row], value)
    return (durations, intervals, pulls, runs, inside, phase, *follow), {
        name: (d[0], i[0]) for name, (d, i) in by_player.items()}
