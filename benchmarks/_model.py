"""Which model a benchmark runs: the one named with --model, else the shipped one."""

from __future__ import annotations

from pathlib import Path

from improv.model.modelfile import default_dir, resolve


def choose_model(path: str | None) -> tuple[Path, str]:
    """``(directory, description)``: ``path``, or the default model shipped in data/models."""
    if path:
        return resolve(path), f"model {path}"
    model = default_dir()
    if not (model / "weights.npz").is_file():
        raise SystemExit(f"no model at {model}: rebuild it with 'improv train' or pass --model DIR")
    return model, f"default model {model}"
