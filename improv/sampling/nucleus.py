"""A value drawn from the sampler's weights: temperature, nucleus (top-p) sampling's cut
and the draw itself, in place and in the caller's buffers (pure numpy)."""

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


def draw(w: np.ndarray, inv_temp: float, top_p: float, rng, srt: np.ndarray, cum: np.ndarray,
         drop: np.ndarray) -> int:
    """An index drawn from the weights ``w`` (a positive, finite total; overwritten),
    raised to ``inv_temp`` (1 / temperature) and cut to the ``top_p`` nucleus, by the
    inverse of their cumulative sum at one uniform draw of ``rng``."""
    if inv_temp != 1.0:
        np.divide(w, w.max(), out=w)  # the top value stays 1: no underflow to all-zero
        np.power(w, inv_temp, out=w)
    if top_p < 1.0:
        nucleus(w, top_p, srt, cum, drop)
    total = w.cumsum(out=cum)
    index = int(total.searchsorted(rng.random() * total[-1], side="right"))
    if index >= len(w) or w[index] <= 0:  # rounding at the very top end
        index = int(np.flatnonzero(w)[-1])
    return index
