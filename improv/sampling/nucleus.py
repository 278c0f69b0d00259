"""Nucleus (top-p) sampling's cut, in place and in the caller's buffers (pure numpy)."""

from __future__ import annotations

import numpy as np


def nucleus(w: np.ndarray, top_p: float, srt: np.ndarray, cum: np.ndarray,
            drop: np.ndarray) -> None:
    """Zero every weight in ``w`` outside the nucleus: the fewest most probable values
    holding ``top_p`` of the mass. ``srt``, ``cum`` (floats) and ``drop`` (bools) are
    buffers of ``w``'s length, so a draw allocates nothing.

    Sorting a copy ascending (``ndarray.sort`` works in place, unlike ``argsort``) and
    summing it from the small end finds the largest tail holding at most ``1 - top_p``;
    every weight below the first value past that tail is dropped (values tied with it
    all stay: the cut never depends on index order)."""
    np.copyto(srt, w)
    srt.sort()
    srt.cumsum(out=cum)
    cut = cum.searchsorted((1.0 - top_p) * cum[-1], side="right")
    np.less(w, srt[cut], out=drop)
    np.copyto(w, 0.0, where=drop)
