"""``improv play`` (and ``python daemon.py``): stream an endless solo to a MIDI port.

Order of work: settings (config file, then flags), the output file's folder, the
model, then, last, the port, so every bad input is reported before anything is opened.
The live session itself (scheduler thread, signals, status, live changes) is
:mod:`improv.commands.session`.

With ``--engine numpy`` (the default) nothing here imports TensorFlow or music21.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import secrets
import sys
from pathlib import Path

from improv.commands import config as settings
from improv.commands.signals import Interrupted, Signals
from improv.errors import ImprovError, PortError, PortLost, UsageError

logger = logging.getLogger(__name__)



def add_arguments(parser: argparse.ArgumentParser) -> None:
    from improv.midi.ports import BACKENDS
    from improv.band.comping import STYLES as COMPING_STYLES
    from improv.model.engines import ENGINES
    from improv.timing.sync import MODES as SYNC_MODES

    parser.add_argument("--config", metavar="PATH",
                        help="settings file (default: ./config.toml if present, else built-in "
                             "defaults, which equal the repository's config.toml)")
    music = parser.add_argument_group("music (override config.toml)")
    music.add_argument("--tempo", type=float, metavar="BPM", help="beats per minute, 20-400")
    music.add_argument("--progression", metavar="CHORDS",
                       help="chord symbols, bars separated by '|', e.g. 'F7 | Bb7 | F7 | C7'")
    music.add_argument("--chart", metavar="NAME|FILE",
                       help="a lead sheet: MusicXML (.musicxml, .mxl, .xml), a text chart (see "
                            "the README) or a shipped chart (blues-in-f, rhythm-changes, "
                            "minor-blues, falling-leaves, waltz-in-bb, five-four); its tempo "
                            "and metre too, unless --tempo")
    music.add_argument("--time", metavar="N/4",
                       help="metre of --progression: 2/4 to 9/4 (default 4/4)")
    music.add_argument("--swing", type=float, metavar="0..1", help="0 straight, 1 triplet feel")
    music.add_argument("--channel", type=int, metavar="N", help="melody MIDI channel, 1-16")
    music.add_argument("--comping-channel", type=int, metavar="N", help="chords' MIDI channel, 1-16")
    music.add_argument("--comping", action=argparse.BooleanOptionalAction, default=None,
                       help="play the chords on the comping channel (--no-comping: melody only)")
    music.add_argument("--comping-style", choices=COMPING_STYLES,
                       help="how the chords are struck (charleston: as they come and on the "
                            "and of two; sustain: held)")
    music.add_argument("--register", metavar="LOW-HIGH",
                       help="the solo's range, pitch names or MIDI numbers: E3-C6 (52-84, the "
                            "default), at least an octave")
    music.add_argument("--program", metavar="N", type=int,
                       help="the solo's General MIDI instrument, 1-128 (67 tenor sax, 57 "
                            "trumpet, 27 jazz guitar; 0 sends none)")
    music.add_argument("--comping-program", metavar="N", type=int,
                       help="the chords' General MIDI instrument, 1-128 (1 piano, 5 electric "
                            "piano, 27 jazz guitar; 0 sends none)")
    music.add_argument("--velocity", metavar="N", type=int, help="the solo's loudness, 1-127")
    music.add_argument("--comping-velocity", metavar="N", type=int,
                       help="the chords' loudness, 1-127")
    model = parser.add_argument_group("model")
    model.add_argument("--model", metavar="NAME|DIR", help="a shipped model (metheny, wjazzd) or a model directory (config: [model] path)")
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
    sync = parser.add_argument_group("sync with a DAW")
    sync.add_argument("--sync", choices=SYNC_MODES,
                      help="internal: our own tempo; clock: follow MIDI beat clock and "
                           "transport arriving on the input port 'improv in'")
    sync.add_argument("--clock-out", action=argparse.BooleanOptionalAction, default=None,
                      help="send MIDI beat clock, Start and Stop (under --sync internal)")
    sync.add_argument("--input-connect", metavar="NAME",
                      help="listen to this existing port instead of creating 'improv in'")
    listen = parser.add_argument_group("listen to the musician (on the input port)")
    listen.add_argument("--follow-chords", action=argparse.BooleanOptionalAction, default=None,
                        help="play over the chords held on the input instead of the chart's")
    listen.add_argument("--listen-channels", metavar="N[,N]",
                        help="MIDI channels to listen to, e.g. 1 or 1,2 (default all)")
    listen.add_argument("--trade", type=int, metavar="N",
                        help="trade N bars: the musician plays N, improv answers N (0: off)")
    listen.add_argument("--call-response", action=argparse.BooleanOptionalAction, default=None,
                        help="answer each phrase once the musician has paused")
    offline = parser.add_argument_group("offline render")
    offline.add_argument("--out", metavar="FILE.mid",
                         help="write a MIDI file faster than real time instead of playing")
    offline.add_argument("--bars", type=int, metavar="N",
                         help="bars to play (default: endless live, 32 with --out)")
    offline.add_argument("--stats", action="store_true",
                         help="print chord/scale-tone shares, range and longest repeat")
    sound = parser.add_argument_group("sound")
    sound.add_argument("--synth", action="store_true",
                       help="play through the built-in synth (FluidSynth, a General MIDI "
                            "soundfont) on the audio system instead of a MIDI port; "
                            "--out FILE.wav renders audio offline")
    talk = parser.add_argument_group("feedback")
    talk.add_argument("-q", "--quiet", action="store_true", help="no status line")
    talk.add_argument("-v", "--verbose", action="store_true", help="log every MIDI message")


def load_settings(args) -> settings.Config:
    """The config file with the command line's values laid over it (all validated)."""
    if args.chart is not None and args.progression is not None:
        raise UsageError("--chart and --progression both say what to play: give one (a "
                         "chart brings its own changes, metre and tempo)")
    low, high = register(args.register)
    cfg = settings.load(args.config)
    cfg = settings.override(cfg, {
        "tempo": ("--tempo", args.tempo),
        "progression": ("--progression", args.progression),
        "chart": ("--chart", None if args.chart is None else str(chart_path(args.chart))),
        "time": ("--time", args.time),
        "feel.swing": ("--swing", args.swing),
        "melody.channel": ("--channel", args.channel),
        "comping.channel": ("--comping-channel", args.comping_channel),
        "comping.enabled": ("--comping/--no-comping", args.comping),
        "comping.style": ("--comping-style", args.comping_style),
        "melody.low": ("--register", low),
        "melody.high": ("--register", high),
        "melody.program": ("--program", args.program),
        "comping.program": ("--comping-program", args.comping_program),
        "melody.velocity": ("--velocity", args.velocity),
        "comping.velocity": ("--comping-velocity", args.comping_velocity),
        "model.path": ("--model", args.model),
        "model.engine": ("--engine", args.engine),
        "sampling.temperature": ("--temperature", args.temperature),
        "sampling.top_p": ("--top-p", args.top_p),
        "seed": ("--seed", args.seed),
        "midi.backend": ("--backend", args.backend),
        "midi.port_name": ("--port-name", args.port_name),
        "midi.connect": ("--connect", args.connect),
        "midi.input_connect": ("--input-connect", args.input_connect),
        "sync.mode": ("--sync", args.sync),
        "sync.clock_out": ("--clock-out/--no-clock-out", args.clock_out),
        "listen.follow_chords": ("--follow-chords", args.follow_chords),
        "listen.channels": ("--listen-channels", args.listen_channels),
        "listen.trade": ("--trade", args.trade),
        "listen.call_response": ("--call-response", args.call_response),
    })
    if args.progression is not None and args.chart is None and cfg.chart:
        cfg = dataclasses.replace(cfg, chart="")  # the command line's chords win
    return cfg


def register(text: str | None) -> tuple[int | None, int | None]:
    """``--register LOW-HIGH`` as two MIDI pitches (None, None when not given)."""
    if text is None:
        return None, None
    from improv.language.harmony import parse_pitch

    low, sep, high = _split_register(text.replace("..", "-"))
    try:
        if not sep:
            raise ValueError("give the lowest and the highest pitch")
        return parse_pitch(low), parse_pitch(high)
    except ValueError as err:
        raise UsageError(f"--register {text}: {err} (e.g. --register E3-C6)") from None


def _split_register(text: str) -> tuple[str, str, str]:
    """LOW-HIGH where an octave may itself be negative (C-1-G9): split at the dash that
    follows a digit."""
    for k in range(1, len(text)):
        if text[k] == "-" and text[k - 1].isdigit():
            return text[:k], "-", text[k + 1:]
    return text.partition("-")


def chart_path(spec: str) -> Path:
    """``--chart``'s file, absolute (a shipped chart's name: its file)."""
    from improv.commands.charts import resolve

    return resolve(spec).absolute()


def with_chart(args, cfg: settings.Config):
    """(settings, chart): the chart read once; its tempo applies unless --tempo says."""
    from improv.commands.charts import chart_of

    chart = chart_of(cfg)
    if cfg.chart and chart.tempo and args.tempo is None:
        cfg = dataclasses.replace(cfg, tempo=chart.tempo)
    return cfg, chart


def make_soloist(cfg: settings.Config, seed: int, beats_per_bar: int = 4):
    """The value source: the sampler over the model (numpy: no TensorFlow import)."""
    from improv.model.engines import from_settings
    from improv.sampling.soloist import Soloist

    return Soloist(from_settings(cfg.model),
                   dataclasses.replace(cfg.sampling, seed=seed, beats_per_bar=beats_per_bar))


def make_band(cfg: settings.Config, source, seed: int, listener=None, chart=None):
    """Every configured part over ``chart`` (default: the one ``cfg`` names); each
    draws from its own stream of ``seed``, not the soloist's."""
    from improv.commands.band import ensemble_from

    return ensemble_from(cfg, source, seed, listener, chart)


def make_listener(cfg: settings.Config, beats_per_bar: int = 4):
    """What listens to the musician on the input (chords, turns, knobs)."""
    from improv.listening.knobs import Knobs
    from improv.listening.listener import Listener
    from improv.listening.trading import CallAndResponse, TradeBars

    listen = cfg.listen
    turns = (TradeBars(listen.trade, beats_per_bar) if listen.trade else
             CallAndResponse(listen.silence_beats, listen.answer_beats)
             if listen.call_response else None)
    return Listener(listen, Knobs(cfg.knobs), turns, beats_per_bar)


OUTPUTS = {".mid": "midi", ".midi": "midi", ".wav": "wav"}  # --out's suffix: its format


def check_output(args, cfg: settings.Config) -> str:
    """``--out``'s format, once the path is known to be safe to write: named, a known
    suffix, absent or a regular file, and none of the files this run reads."""
    from improv.files import check_output as check

    inputs = [settings.find(args.config), cfg.chart or None, cfg.model.directory]
    if Path(args.out).suffix.lower() == ".wav":
        from improv.midi.synth import find_soundfont

        try:
            inputs.append(find_soundfont(cfg.synth.soundfont))
        except ImprovError:
            pass  # said when the synth starts, after the path
    return check(args.out, "--out", OUTPUTS, inputs)


RECONNECT_INTERVAL = 0.5  # seconds between tries to open a lost port again
MAX_BARS = 100_000  # about 55 hours at 120 BPM: beyond that, leave --bars out (endless)


def run(args) -> int:
    cfg = load_settings(args)
    if args.bars is not None and not 1 <= args.bars <= MAX_BARS:
        raise UsageError(f"--bars {args.bars} is out of range: give 1 to {MAX_BARS} bars "
                         f"(leave it out to play endlessly)")
    rendering = args.out is not None  # an empty --out is a mistake, not live play
    if args.stats and not rendering:
        raise UsageError("--stats describes a rendered file: use it with --out FILE.mid")
    if args.list_ports:
        return list_ports(cfg.midi.backend)
    if rendering and cfg.sync.mode == "clock":
        raise UsageError("--out renders at its own tempo: a file has no master clock to "
                         "follow; leave out --sync clock (or [sync] mode = 'clock')")
    if rendering and (cfg.listen.follow_chords or cfg.listen.trading):
        raise UsageError("--out renders without a musician to listen to: leave out "
                         "--follow-chords, --trade and --call-response ([listen] in the config)")
    if rendering and args.synth:
        raise UsageError("--synth plays live through the built-in synth and --out writes a "
                         "file: use one (--out FILE.wav renders the synth's sound)")
    form = check_output(args, cfg) if rendering else None  # before any work
    cfg, chart = with_chart(args, cfg)
    seed = cfg.seed if cfg.seed >= 0 else secrets.randbits(32)
    signals = getattr(args, "signals", None) or Signals()
    if rendering:
        soloist = make_soloist(cfg, seed, chart.beats_per_bar)
        band = make_band(cfg, soloist, seed, chart=chart)
        if form == "wav":
            from improv.commands.sound import render_audio

            return render_audio(args, cfg, band, seed)
        return render_file(args, cfg, band, seed)
    try:
        listener = make_listener(cfg, chart.beats_per_bar) if cfg.listening else None
        soloist = make_soloist(cfg, seed, chart.beats_per_bar)
        band = make_band(cfg, soloist, seed, listener, chart)
        return _play(args, cfg, band, seed, signals, listener)
    except Interrupted:
        return 0  # stopped before a note sounded


def _play(args, cfg, band, seed, signals, listener=None) -> int:
    """Open the ports and play; if the output goes away, exit with one line, or with
    ``[midi] reconnect`` wait for it to come back and play on from the next bar."""
    from improv.commands.session import play_live

    midi, start = cfg.midi, 0.0
    if cfg.sync.mode == "clock" and args.tempo is not None and not args.quiet:
        print("improv: --tempo is ignored under --sync clock: the master sets the tempo",
              file=sys.stderr)
    follow = _follower(cfg)
    midi_in, port = _open_ports(cfg, follow, args.synth)
    while True:
        with midi_in as midi_input, port:  # midi_input: None when no input opened
            signals.playing = True  # from here on a signal is noted, never raised
            if signals.stopping:
                return 0
            if not args.quiet:
                again = ("again" if start else
                         f"with seed {seed} (--seed {seed} plays this solo again)")
                listening = _listening(cfg, midi_input)
                print(f"improv: playing on {port.description} {again}{listening}; "
                      f"Ctrl-C stops", file=sys.stderr)
            try:
                return play_live(cfg, band, port, signals, bars=args.bars,
                                 quiet=args.quiet,
                                 reload=lambda: with_chart(args, load_settings(args))[0],
                                 watch=settings.find(args.config), start_beat=start,
                                 sync=follow, listener=listener, midi_in=midi_input)
            except PortLost:  # already said, with what happens next
                if not midi.reconnect:
                    raise
        if follow is not None:
            follow.stop("the MIDI system went away")
        opened = _reopen(cfg, follow, signals, synth=args.synth)
        if opened is None:
            return 0
        midi_in, port = opened
        start = band.resume_at_next_bar()


def _open_ports(cfg, follow, synth: bool = False):
    """(the input, or a null context; the output: a MIDI port, or the built-in synth),
    or the first error with nothing left open. An input wanted only for knobs that
    cannot be opened is one warning line."""
    import contextlib

    from improv.midi.ports import open_output

    if synth:
        from improv.commands.sound import open_synth

        port = open_synth(cfg)
    else:
        port = open_output(cfg.midi.backend, cfg.midi.port_name, cfg.midi.connect)
    try:
        return _input(cfg, follow), port
    except PortError as err:
        if not cfg.needs_input:
            print(f"improv: playing without knobs: {err}", file=sys.stderr)
            return contextlib.nullcontext(None), port
        port.close()
        raise
    except BaseException:
        port.close()
        raise


def _listening(cfg, midi_in) -> str:
    """What the start-up line says the input is for."""
    if midi_in is None:
        return ""
    jobs = [job for job, on in (("the clock", cfg.sync.mode == "clock"),
                                ("chords", cfg.listen.follow_chords),
                                (f"{cfg.listen.trade}-bar trades", cfg.listen.trade),
                                ("calls to answer", cfg.listen.call_response),
                                ("knobs", cfg.knobs.enabled)) if on]
    return f"; listening on {midi_in.description} for {', '.join(jobs)}"


def _follower(cfg):
    """The master's clock to follow (``[sync] mode = "clock"``), or None."""
    if cfg.sync.mode != "clock":
        return None
    from improv.timing.sync import FollowedClock

    return FollowedClock(tempo_guess=cfg.tempo, follower=cfg.sync.follower)


def _input(cfg, follow):
    """The MIDI input beside the output when anything listens (a master's clock, the
    musician, knobs: ``Config.listening``); a null context otherwise."""
    import contextlib

    from improv.midi.ports import open_input

    if not cfg.listening:
        return contextlib.nullcontext(None)
    midi = cfg.midi
    return open_input(midi.backend, midi.input_name or f"{midi.port_name} in",
                      midi.input_connect, follow.handle if follow is not None else None)


def _reopen(cfg, follow, signals, every: float = RECONNECT_INTERVAL, synth: bool = False):
    """The ports, opened again as soon as they can be; None when a stop signal came first."""
    while not signals.stopping:
        try:
            return _open_ports(cfg, follow, synth)
        except PortError:
            signals.wait(every)
    return None


def list_ports(backend: str) -> int:
    from improv.midi.ports import describe, output_names

    names = output_names(backend)
    print(f"MIDI output ports ({describe(backend)}):")
    for name in names:
        print(f"  {name}")
    if not names:
        print("  (none)")
    return 0


def render_file(args, cfg: settings.Config, band, seed: int) -> int:
    from improv.rendering.midifile import render

    bars = 32 if args.bars is None else args.bars
    done = render(band, args.out, tempo=cfg.tempo, bars=bars, keep_notes=args.stats)
    if not args.quiet:
        print(f"improv: wrote {args.out}: {bars} bars at {cfg.tempo:g} BPM, "
              f"{done.counts['melody']} melody notes, seed {seed}", file=sys.stderr)
    if args.stats:
        from improv.analysis.solostats import solo_stats

        for line in solo_stats(done.notes).lines():
            print(line)
    return 0
