"""``improv play`` (and ``python daemon.py``): stream an endless solo to a MIDI port.

Order of work: settings (config file, then flags), the model, then, last, the port,
so every bad input is reported before anything is opened. The scheduler runs on its
own thread; the main thread only refreshes the status line and waits. SIGINT and
SIGTERM handlers just ask the scheduler to stop (they set Events), after which it
switches off every sounding note and the port is closed.

With ``--engine numpy`` (the default) nothing here imports TensorFlow or music21.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import sys
import threading

from improv.commands import config as settings
from improv.errors import ImprovError, PortError

logger = logging.getLogger(__name__)

STATUS_INTERVAL = 0.25  # seconds between status refreshes (the main thread's only work)
SHUTDOWN_TIMEOUT = 5.0  # seconds the main thread waits for the scheduler to silence all


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from improv.model.engines import ENGINES
    from improv.performing.ports import BACKENDS

    parser.add_argument("--config", metavar="PATH",
                        help="settings file (default: ./config.toml if present, else built-in "
                             "defaults, which equal the repository's config.toml)")
    music = parser.add_argument_group("music (override config.toml)")
    music.add_argument("--tempo", type=float, metavar="BPM", help="beats per minute, 20-400")
    music.add_argument("--progression", metavar="CHORDS",
                       help="chord symbols, bars separated by '|', e.g. 'F7 | Bb7 | F7 | C7'")
    music.add_argument("--swing", type=float, metavar="0..1", help="0 straight, 1 triplet feel")
    music.add_argument("--channel", type=int, metavar="N", help="melody MIDI channel, 1-16")
    music.add_argument("--comping-channel", type=int, metavar="N", help="chords' MIDI channel, 1-16")
    music.add_argument("--comping", action=argparse.BooleanOptionalAction, default=None,
                       help="play the chords on the comping channel (--no-comping: melody only)")
    model = parser.add_argument_group("model")
    model.add_argument("--model", metavar="DIR", help="model directory (config: [model] path)")
    model.add_argument("--engine", choices=ENGINES,
                       help="inference engine (default numpy: no TensorFlow)")
    model.add_argument("--temperature", type=float, help="sampling temperature, 0.05-5")
    model.add_argument("--top-p", type=float, help="nucleus sampling share, 0.01-1")
    model.add_argument("--seed", type=int, help="random seed, 0-4294967295 (same seed, same solo)")
    midi = parser.add_argument_group("MIDI output")
    midi.add_argument("--backend", choices=BACKENDS,
                      help="MIDI system (auto: the platform's default)")
    midi.add_argument("--port-name", metavar="NAME", help="name of the virtual port (default improv)")
    midi.add_argument("--connect", metavar="NAME",
                      help="send to this existing port instead of creating one (Windows: loopMIDI)")
    midi.add_argument("--list-ports", action="store_true", help="list output ports and exit")
    offline = parser.add_argument_group("offline render")
    offline.add_argument("--out", metavar="FILE.mid",
                         help="write a MIDI file faster than real time instead of playing")
    offline.add_argument("--bars", type=int, metavar="N",
                         help="bars to play (default: endless live, 32 with --out)")
    offline.add_argument("--stats", action="store_true",
                         help="print chord/scale-tone shares, range and longest repeat")
    talk = parser.add_argument_group("feedback")
    talk.add_argument("-q", "--quiet", action="store_true", help="no status line")
    talk.add_argument("-v", "--verbose", action="store_true", help="log every MIDI message")


def load_settings(args) -> settings.Config:
    """The config file with the command line's values laid over it (all validated)."""
    cfg = settings.load(args.config)
    return settings.override(cfg, {
        "tempo": ("--tempo", args.tempo),
        "progression": ("--progression", args.progression),
        "feel.swing": ("--swing", args.swing),
        "melody.channel": ("--channel", args.channel),
        "comping.channel": ("--comping-channel", args.comping_channel),
        "comping.enabled": ("--comping/--no-comping", args.comping),
        "model.path": ("--model", args.model),
        "model.engine": ("--engine", args.engine),
        "sampling.temperature": ("--temperature", args.temperature),
        "sampling.top_p": ("--top-p", args.top_p),
        "seed": ("--seed", args.seed),
        "midi.backend": ("--backend", args.backend),
        "midi.port_name": ("--port-name", args.port_name),
        "midi.connect": ("--connect", args.connect),
    })


def make_soloist(cfg: settings.Config, seed: int):
    """The value source: the sampler over the model (numpy: no TensorFlow import)."""
    import dataclasses

    from improv.model.engines import from_settings
    from improv.performing.sampling import Soloist

    return Soloist(from_settings(cfg.model), dataclasses.replace(cfg.sampling, seed=seed))


def make_performer(cfg: settings.Config, source, seed: int):
    import numpy as np

    from improv.performing.performer import Performer, Progression

    return Performer(source, Progression.parse(cfg.progression),
                     np.random.default_rng([seed, 1]),  # not the soloist's stream
                     melody=cfg.melody, comping=cfg.comping, feel=cfg.feel)


MAX_BARS = 100_000  # about 55 hours at 120 BPM: beyond that, leave --bars out (endless)


def run(args) -> int:
    from improv.errors import UsageError

    cfg = load_settings(args)
    if args.bars is not None and not 1 <= args.bars <= MAX_BARS:
        raise UsageError(f"--bars {args.bars} is out of range: give 1 to {MAX_BARS} bars "
                         f"(leave it out to play endlessly)")
    if args.stats and not args.out:
        raise UsageError("--stats describes a rendered file: use it with --out FILE.mid")
    if args.list_ports:
        return list_ports(cfg.midi.backend)
    seed = cfg.seed if cfg.seed >= 0 else secrets.randbits(32)
    performer = make_performer(cfg, make_soloist(cfg, seed), seed)
    if args.out:
        return render_file(args, cfg, performer, seed)
    from improv.performing.ports import open_output

    with open_output(cfg.midi.backend, cfg.midi.port_name, cfg.midi.connect) as port:
        if not args.quiet:
            print(f"improv: playing on {port.description} with seed {seed} "
                  f"(--seed {seed} plays this solo again); Ctrl-C stops", file=sys.stderr)
        return play_live(cfg, performer, port, bars=args.bars, quiet=args.quiet,
                         reload=lambda: load_settings(args), watch=settings.find(args.config))


def list_ports(backend: str) -> int:
    from improv.performing.ports import describe, output_names

    names = output_names(backend)
    print(f"MIDI output ports ({describe(backend)}):")
    for name in names:
        print(f"  {name}")
    if not names:
        print("  (none)")
    return 0


def render_file(args, cfg: settings.Config, performer, seed: int) -> int:
    from improv.performing.render import render

    bars = 32 if args.bars is None else args.bars
    notes = render(performer, args.out, tempo=cfg.tempo, bars=bars)
    if not args.quiet:
        print(f"improv: wrote {args.out}: {bars} bars at {cfg.tempo:g} BPM, "
              f"{sum(n.part == 'melody' for n in notes)} melody notes, seed {seed}",
              file=sys.stderr)
    if args.stats:
        from improv.performing.solostats import solo_stats

        for line in solo_stats(notes).lines():
            print(line)
    return 0


def play_live(cfg: settings.Config, performer, port, *, bars: int | None = None,
              quiet: bool = False, reload=None, watch=None) -> int:
    """Play until a signal (or ``bars`` bars) on ``port``; return 0 after a clean stop.

    With ``reload`` (a function returning fresh settings), saving the ``watch`` file or
    sending SIGHUP applies tempo, progression and feel while playing (see improv.commands.live).
    """
    from improv.commands.live import ConfigWatcher
    from improv.commands.status import StatusLine
    from improv.language.grammar import BEATS_PER_BAR
    from improv.performing.scheduler import Scheduler, try_realtime_priority

    status = None if quiet else StatusLine(tempo=cfg.tempo, port=port.description)
    scheduler = Scheduler(performer, port, tempo=cfg.tempo, lookahead=cfg.scheduler.lookahead,
                          observer=status.observe if status else None)
    failure: list[BaseException] = []

    def work():
        try:
            if cfg.scheduler.realtime:
                logger.info("scheduler thread priority: %s", try_realtime_priority())
            scheduler.run(until_beat=None if bars is None else bars * BEATS_PER_BAR)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            failure.append(err)

    stopping = []  # set before any stop(): a second signal must not re-enter Event.set()

    def on_signal(signum, frame):
        if not stopping:
            stopping.append(signum)
            scheduler.stop()

    watcher = ConfigWatcher(watch) if reload else None
    thread = threading.Thread(target=work, name="improv-scheduler", daemon=True)
    previous = _install_handlers(on_signal, watcher.request if watcher else None)
    try:
        thread.start()
        while thread.is_alive():
            thread.join(STATUS_INTERVAL)
            if watcher and watcher.due():
                cfg = _apply_changes(cfg, reload, scheduler, performer, status)
            if status:
                status.refresh()
    finally:
        # Handlers stay installed until the scheduler has silenced everything, so a
        # late Ctrl-C cannot interrupt the cleanup and leave a note on.
        stopping.append(None)
        scheduler.stop()
        thread.join(SHUTDOWN_TIMEOUT)
        if thread.is_alive():  # a port send that blocks: do not hang the process on it
            logger.error("the scheduler did not stop within %.0f s; leaving it", SHUTDOWN_TIMEOUT)
        _restore_handlers(previous)
        if status:
            status.close()
    if failure:
        err = failure[0]
        if isinstance(err, ImprovError):
            raise err
        if isinstance(err, OSError):
            raise PortError(f"MIDI output failed: {err}") from err
        raise err
    return 0


def _apply_changes(cfg, reload, scheduler, performer, status):
    """Read the settings again and apply what can change live; return what now plays."""
    from improv.commands.live import diff
    from improv.performing.performer import Progression

    def say(text):
        if status:
            status.message(text)
        else:
            print(text, file=sys.stderr)

    try:
        new = reload()
    except ImprovError as err:
        say(f"improv: settings not applied, still playing as before: {err}")
        return cfg
    change = diff(cfg, new)
    if change.tempo is not None:
        scheduler.set_tempo(change.tempo)
        if status:
            status.tempo = change.tempo
    if change.progression is not None:
        performer.set_progression(Progression.parse(change.progression))
    if change.feel is not None:
        performer.set_feel(change.feel)
    if change.live:
        say(f"improv: now playing {change.describe()}")
    if change.restart:
        say(f"improv: {', '.join(change.restart)} changed: restart the daemon to apply")
    return new


def _install_handlers(handler, on_hangup=None) -> dict:
    """SIGINT/SIGTERM -> ``handler``, SIGHUP -> ``on_hangup`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    if on_hangup is not None and hasattr(signal, "SIGHUP"):
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, lambda signum, frame: on_hangup())
    return previous


def _restore_handlers(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
