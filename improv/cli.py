"""The ``improv`` command: a thin dispatcher to one module per subcommand.

Each subcommand module defines ``add_arguments(parser)`` and ``run(args) -> int`` and is
imported only when chosen, so ``improv play`` never pays for TensorFlow.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from improv import __version__
from improv.commands.signals import Interrupted, Signals
from improv.errors import ImprovError

SUBCOMMANDS = {
    "play": ("improv.commands.play", "stream an endless solo to a MIDI port (what daemon.py runs)"),
    "sample": ("improv.commands.sample", "print grammar values sampled from a model (no MIDI)"),
    "tokens": ("improv.commands.tokens", "tokenise a MIDI file into grammar values and print figures"),
    "train": ("improv.commands.making.train", "train the LSTM on MIDI files and write a model directory"),
    "eval": ("improv.commands.evaluate", "render a solo and compare its musical figures with "
                                         "the Weimar solos'"),
    "feel": ("improv.commands.making.feel", "learn the soloists' time feel and articulation "
                                            "from the Weimar solos"),
    "calibrate": ("improv.commands.making.calibrate", "fit a model's calibration: the "
                                                      "players' shares of durations and "
                                                      "intervals in its free-running solo"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line, exit 2, as every other error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser(prog: str = "improv") -> argparse.ArgumentParser:
    """``prog`` other than "improv" is a program that runs one subcommand under its own
    name (daemon.py: play), so its usage and error lines name that program alone."""
    parser = _Parser(prog=prog, description="A real-time jazz improviser.")
    parser.add_argument("--version", action="version", version=f"improv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (module, help_text) in SUBCOMMANDS.items():
        # Arguments are added lazily below, only for the chosen subcommand.
        own = {} if prog == "improv" else {"prog": prog}
        sub.add_parser(name, help=help_text, description=help_text, **own)
    return parser


def main(argv=None, prog: str = "improv", *, own_process: bool | None = None) -> int:
    """Run one subcommand; its exit status. ``own_process`` (default: when ``argv`` is
    None, as for the console script) keeps the signal handlers installed to the end, so
    no signal after the command finished can kill the exiting process."""
    own_process = argv is None if own_process is None else own_process
    signals = Signals().install()
    try:
        status = _dispatch(list(sys.argv[1:] if argv is None else argv), prog, signals)
    except Interrupted as stop:
        status = 128 + stop.signum
    except KeyboardInterrupt:  # called off the main thread, where no handler is installed
        status = 130
    finally:
        signals.playing = True  # late signals are noted, never raised
        if own_process:
            signals.ignore_from_now_on()
        else:
            signals.restore()
    if own_process:
        _exit_now_if_a_close_hangs(status)
    return status


def _exit_now_if_a_close_hangs(status: int) -> None:
    """A MIDI client's close left running in the background (improv.midi.closing) can
    hold the interpreter's exit for the JACK server's timeout: the system library's
    teardown waits on the same client. Everything improv wrote is flushed by now, so
    the process ends at once, as the close would have let it."""
    from improv.midi import closing

    if closing.pending():
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _dispatch(argv: list[str], prog: str, signals: Signals) -> int:
    parser = build_parser(prog)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in SUBCOMMANDS:
        module = importlib.import_module(SUBCOMMANDS[command][0])
        module.add_arguments(parser._subparsers._group_actions[0].choices[command])
    args = parser.parse_args(argv)
    args.signals = signals
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(module.run(args) or 0)
    except ImprovError as err:
        if not err.announced:
            print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (e.g. '| head'): not an error worth a traceback.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
