#!/usr/bin/env python3
"""Start the improviser: the same program as ``improv play`` (see ``--help``)."""

import sys

from improv.cli import main

if __name__ == "__main__":
    sys.exit(main(["play", *sys.argv[1:]], prog="daemon.py"))
