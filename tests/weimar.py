"""The Weimar Jazz Database beside the repository, and small copies of it for tests."""

import shutil
from pathlib import Path

WJD = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wjazzd"


def weimar_copy(tmp_path, *names):
    """A wjazzd folder holding only these solos (melody and beats)."""
    folder = tmp_path / "wjazzd"
    for sub in ("melody", "beats"):
        (folder / sub).mkdir(parents=True)
        for name in names:
            shutil.copy(WJD / sub / name, folder / sub)
    return folder
