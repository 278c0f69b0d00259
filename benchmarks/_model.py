"""Which model a benchmark runs: the committed default if it has landed, else random weights."""

from __future__ import annotations

import tempfile
from pathlib import Path

from improv.model.modelfile import default_dir

from randmodel import write_random_model


def choose_model(path: str | None) -> tuple[Path, str]:
    """``(directory, description)``; a random 78-value, n_a=64 model when none is given
    and ``data/model/`` has no weights yet."""
    if path:
        return Path(path), f"model {path}"
    if (default_dir() / "weights.npz").is_file():
        return default_dir(), f"default model {default_dir()}"
    out = write_random_model(Path(tempfile.mkdtemp(prefix="improv-bench-")) / "model", seed=0)
    return out, f"RANDOM weights (n_values=78, n_a=64, seed 0; data/model/ has no model yet) in {out}"
