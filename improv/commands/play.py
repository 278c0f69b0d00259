"""``improv play`` (and ``python daemon.py``): stream an endless solo to a MIDI port.

Order of work: settings (config file, then flags), the output file's folder, the
model, then, last, the port, so every bad input is reported before anything is opened.
The live session itself (scheduler thread, signals, status, live changes) is
:mod:`improv.commands.session`.

With ``--engine numpy`` (the default) nothing here imports TensorFlow or music21.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import sys
from pathlib import Path

from improv.commands import config as settings
# add_arguments: the subcommand's flags, which improv.cli asks this module for
from improv.commands.options import add_arguments, load_settings, with_chart  # noqa: F401
from improv.commands.signals import Interrupted, Signals
from improv.errors import ImprovError, PortError, PortLost, UsageError

logger = logging.getLogger(__name__)


def make_soloist(cfg: settings.Config, seed: int, beats_per_bar: int = 4):
    """The value source: the sampler over the model (numpy: no TensorFlow import)."""
    from improv.model.engines import from_settings
    from improv.sampling.calibrationfile import calibration_for
    from improv.sampling.soloist import Soloist

    calibration = calibration_for(cfg.model.path or None) if cfg.sampling.calibrate else None
    return Soloist(from_settings(cfg.model),
                   dataclasses.replace(cfg.sampling, seed=seed, beats_per_bar=beats_per_bar,
                                       tempo=cfg.tempo),
                   calibration)


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
    turns = (TradeBars(listen.trade, beats_per_bar, origin=cfg.count_in * beats_per_bar)
             if listen.trade else
             CallAndResponse(listen.silence_beats, listen.answer_beats)
             if listen.call_response else None)
    return Listener(listen, Knobs(cfg.knobs), turns, beats_per_bar)


OUTPUTS = {".mid": "midi", ".midi": "midi", ".wav": "wav"}  # --out's suffix: its format


def check_output(args, cfg: settings.Config, flag: str = "--out") -> str:
    """``--out``'s (or ``--record``'s) format, once the path is known to be safe to
    write: named, a known suffix, absent or a regular file, none of the files this run
    reads."""
    from improv.files import check_output as check

    path = args.out if flag == "--out" else args.record
    inputs = [settings.find(args.config), cfg.chart or None, cfg.model.directory]
    if flag == "--record":
        return check(path, flag, {".mid": "midi", ".midi": "midi"}, inputs)
    if Path(path).suffix.lower() == ".wav":
        from improv.midi.synth import find_soundfont

        try:
            inputs.append(find_soundfont(cfg.synth.soundfont))
        except ImprovError:
            pass  # said when the synth starts, after the path
    return check(path, flag, OUTPUTS, inputs)


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
    if rendering and args.record is not None:
        raise UsageError("--record records a live take and --out renders a file: use one")
    if rendering and args.synth:
        raise UsageError("--synth plays live through the built-in synth and --out writes a "
                         "file: use one (--out FILE.wav renders the synth's sound)")
    form = check_output(args, cfg) if rendering else None  # before any work
    if args.record is not None:
        check_output(args, cfg, "--record")
    cfg, chart = with_chart(args, cfg)
    seed = cfg.seed if cfg.seed >= 0 else secrets.randbits(32)
    signals = getattr(args, "signals", None) or Signals()
    if rendering:
        soloist = make_soloist(cfg, seed, chart.beats_per_bar)
        band = make_band(cfg, soloist, seed, chart=chart)
        if form == "wav":
            from improv.commands.sound import render_audio

            return render_audio(args, cfg, band, seed, played_as(soloist))
        return render_file(args, cfg, band, seed, chart.key, played_as(soloist))
    try:
        listener = make_listener(cfg, chart.beats_per_bar) if cfg.listening else None
        soloist = make_soloist(cfg, seed, chart.beats_per_bar)
        band = make_band(cfg, soloist, seed, listener, chart)
        return _play(args, cfg, band, seed, signals, listener, chart.key, played_as(soloist))
    except Interrupted:
        return 0  # stopped before a note sounded


def played_as(soloist) -> str:
    """", as Art Pepper on Anthropology": the Weimar soloist the solo plays as, for
    the lines that name the seed ("" when it plays as the players pooled)."""
    from improv.sampling.persona import describe

    who = describe(soloist.player)
    return f", as {who}" if who else ""


def _play(args, cfg, band, seed, signals, listener=None, key=None, player="") -> int:
    """Open the ports and play; if the output goes away, exit with one line, or with
    ``[midi] reconnect`` wait for it to come back and play on from the next bar."""
    from improv.commands.session import play_live

    midi, start = cfg.midi, 0.0
    if cfg.sync.mode == "clock" and args.tempo is not None and not args.quiet:
        print("improv: --tempo is ignored under --sync clock: the master sets the tempo",
              file=sys.stderr)
    follow = _follower(cfg)
    take = _take(args, band, key)
    midi_in, port = _open_ports(cfg, follow, args.synth)
    while True:
        with midi_in as midi_input, port:  # midi_input: None when no input opened
            signals.playing = True  # from here on a signal is noted, never raised
            if signals.stopping:
                return 0
            if not args.quiet:
                again = ("again" if start else
                         f"with seed {seed}{player} (--seed {seed} plays this solo again)")
                listening = _listening(cfg, midi_input)
                print(f"improv: playing on {port.description} {again}{listening}; "
                      f"Ctrl-C stops", file=sys.stderr)
            try:
                return play_live(cfg, band, port, signals, bars=args.bars,
                                 quiet=args.quiet,
                                 reload=lambda: with_chart(args, load_settings(args))[0],
                                 watch=settings.find(args.config), start_beat=start,
                                 sync=follow, listener=listener, midi_in=midi_input,
                                 take=take)
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


def _take(args, band, key=None):
    """The take ``--record`` keeps (one for the whole run, across reconnections);
    ``key``: the chart's, if it names one."""
    if args.record is None:
        return None
    from improv.rendering.take import Take

    return Take(args.record, band.parts, band.beats_per_bar, span_at=band.span_at,
                section_at=band.section_at, section_opens_at=band.section_opens_at, key=key,
                chart_from=float(band.lead_in))


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


def render_file(args, cfg: settings.Config, band, seed: int, key=None, player="") -> int:
    from improv.rendering.midifile import render

    bars = 32 if args.bars is None else args.bars
    done = render(band, args.out, tempo=cfg.tempo, bars=bars, keep_notes=args.stats,
                  key=key)
    if not args.quiet:
        print(f"improv: wrote {args.out}: {bars} bars at {cfg.tempo:g} BPM, "
              f"{done.counts['melody']} melody notes, seed {seed}{player}", file=sys.stderr)
    if args.stats:
        from improv.analysis.solostats import solo_stats

        for line in solo_stats(done.notes).lines():
            print(line)
    return 0
