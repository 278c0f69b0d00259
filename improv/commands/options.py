"""``improv play``'s command line: its flags, laid over config.toml into one validated
:class:`~improv.commands.config.Config`, and the chart it names read once.

Every flag is checked by the same rule as its config key (:func:`improv.commands.config.
override`), so a bad value is one line naming the flag.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from improv.commands import config as settings
from improv.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from improv.band.comping import STYLES as COMPING_STYLES
    from improv.band.styles import STYLES as BAND_STYLES
    from improv.performance.feel import TIMINGS
    from improv.midi.ports import BACKENDS
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
    music.add_argument("--timing", choices=TIMINGS,
                       help="the solo's timing: learned (onsets and lengths as the Weimar "
                            "soloists play them at the tempo) or grid (on the grid, swung by "
                            "--swing)")
    music.add_argument("--channel", type=int, metavar="N", help="melody MIDI channel, 1-16")
    music.add_argument("--comping-channel", type=int, metavar="N", help="chords' MIDI channel, 1-16")
    music.add_argument("--comping", action=argparse.BooleanOptionalAction, default=None,
                       help="play the chords on the comping channel (--no-comping: melody only)")
    music.add_argument("--comping-style", choices=("auto", *COMPING_STYLES),
                       help="how the chords are voiced and struck (auto: as the band's style "
                            "asks; pianist: rootless voicings in varied rhythms; charleston "
                            "or sustain: close voicings)")
    music.add_argument("--style", choices=BAND_STYLES,
                       help="the band's style: what the comping and the drums play (default: "
                            "the chart's, else waltz in 3/4 and swing otherwise)")
    music.add_argument("--count-in", type=int, metavar="N",
                       help="N bars (0-8) of sticks on the drums' channel before bar 1 of the "
                            "chart, and again at each Start of a master's clock")
    music.add_argument("--bass", action=argparse.BooleanOptionalAction, default=None,
                       help="play the walking bass on channel 3 (--no-bass: without it)")
    music.add_argument("--drums", action=argparse.BooleanOptionalAction, default=None,
                       help="play the drums on channel 10 (--no-drums: without them)")
    music.add_argument("--solo", action=argparse.BooleanOptionalAction, default=None,
                       help="play the solo (--no-solo: the band accompanies the musician)")
    music.add_argument("--register", metavar="LOW-HIGH",
                       help="the solo's range, pitch names or MIDI numbers: Ab2-E6 (44-88, the "
                            "default; a trumpet's E3-C6), at least an octave")
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
    parser.add_argument_group("record").add_argument(
        "--record", metavar="FILE.mid",
        help="while playing live, record everything played and heard on the input (the "
             "musician's notes, chords, CCs) to a MIDI file, on the beats of the clock "
             "followed; written every 2 s, whole after Ctrl-C or SIGTERM")
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
        "feel.timing": ("--timing", args.timing),
        "melody.channel": ("--channel", args.channel),
        "comping.channel": ("--comping-channel", args.comping_channel),
        "comping.enabled": ("--comping/--no-comping", args.comping),
        "comping.style": ("--comping-style", args.comping_style),
        "style": ("--style", args.style),
        "count_in": ("--count-in", args.count_in),
        "drums.enabled": ("--drums/--no-drums", args.drums),
        "bass.enabled": ("--bass/--no-bass", args.bass),
        "melody.enabled": ("--solo/--no-solo", args.solo),
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
    """(settings, chart): the chart read once; its tempo applies unless --tempo says.
    The feel is told the tempo, so a learned timing is the players' at that tempo."""
    from improv.commands.charts import chart_of

    chart = chart_of(cfg)
    if cfg.chart and chart.tempo and args.tempo is None:
        cfg = dataclasses.replace(cfg, tempo=chart.tempo)
    return dataclasses.replace(cfg, feel=dataclasses.replace(cfg.feel, tempo=cfg.tempo)), chart
