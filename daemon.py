#!/usr/bin/env python3
"""Start the improviser: the same program as ``improv play`` (see ``--help``)."""

import signal

# A SIGHUP (config reload) that arrives while Python is still importing must not kill
# the daemon: ignore it from the first line; the live session handles it once playing.
if hasattr(signal, "SIGHUP"):
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

import sys  # noqa: E402

from improv.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["play", *sys.argv[1:]], prog="daemon.py", own_process=True))
