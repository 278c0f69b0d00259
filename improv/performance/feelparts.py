"""Parts of the time-feel table read from its JSON and checked (pure): the styles, the
onsets' serials in a run, the note counts, the pools of every lead-out, the solos'
length shapes (:class:`improv.performance.timefeel.TimeFeel` is made of them)."""

from __future__ import annotations

import math

import numpy as np

from improv.learning.timednotes import LEAD_INS, LEAD_OUTS

# the serials of a run and of a change of subdivision (TimeFeel.by_run): all or none
RUN_KEYS = ("serial_run", "serial_in_beat_run", "serial_change", "serial_in_beat_change")


def by_run(gapped: dict, bins: int) -> tuple:
    """((across, inside) of a run, (across, inside) of a change) from the serial by gap:
    all four or none."""
    missing = [k for k in RUN_KEYS if k not in gapped]
    if missing:
        raise ValueError(f"the onsets' serial in a run lacks {', '.join(missing)}")
    out = tuple(tuple(tuple(float(x) for x in gapped[f"serial{where}_{kind}"])
                      for where in ("", "_in_beat")) for kind in ("run", "change"))
    if any(len(r) != bins or not all(abs(x) < 1 for x in r) for pair in out for r in pair):
        raise ValueError("the onsets' serial in a run is not one per gap bin")
    return out


def counts_like(notes, cells, depth: int = 4) -> bool:
    """Whether ``notes`` nests as ``cells`` ([band][twelfth][grain][lead]) do, down to
    one finite count >= 0 per cell."""
    if depth == 0:
        return isinstance(notes, (int, float)) and not isinstance(notes, bool) and \
            math.isfinite(notes) and notes >= 0
    return isinstance(notes, list) and len(notes) == len(cells) and all(
        counts_like(n, c, depth - 1) for n, c in zip(notes, cells))


def lead_pools(onsets: tuple, notes, ins: int = len(LEAD_INS),
               outs: int = len(LEAD_OUTS)) -> tuple:
    """Per [band][twelfth][grain][lead-in], every lead-out's quantiles averaged, each
    weighted by its notes (``notes`` as the table's counts; None: equally), of a table
    of ``ins`` lead-ins by ``outs`` lead-outs."""

    def pool(cells, counts):
        rows = [(c, 1.0 if counts is None else float(n)) for c, n in
                zip(cells, counts or [None] * len(cells)) if c is not None]
        weight = sum(w for _, w in rows)
        if not rows:
            return None
        if weight <= 0:
            rows, weight = [(c, 1.0) for c, _ in rows], float(len(rows))
        return tuple(float(x) for x in sum(np.asarray(c) * w for c, w in rows) / weight)

    return tuple(tuple(tuple(tuple(
        pool(g[i * outs:(i + 1) * outs],
             None if notes is None else notes[b][k][gi][i * outs:(i + 1) * outs])
        for i in range(ins)) for gi, g in enumerate(c)) for k, c in enumerate(row))
        for b, row in enumerate(onsets))


def shapes(data, styles: int) -> dict:
    """The styles' length shapes from their JSON: rising levels in [0, 1], one row per
    style, at rising points inside (0, 1); and those of each kind where it has them."""
    points = tuple(float(x) for x in data["points"])
    if not (points and 0 < points[0] and points[-1] < 1
            and all(a < b for a, b in zip(points, points[1:]))):
        raise ValueError("the length shapes' points do not rise inside (0, 1)")
    out = {"length_shapes": style_rows(data["solos"], points, styles), "shape_points": points}
    kinds = [k for k in ("before_note", "before_rest") if k in data]
    if len(kinds) == 1:
        raise ValueError(f"the length shapes hold {kinds[0]} alone, not both kinds")
    if kinds:
        out["kind_shapes"] = tuple(zip(*(style_rows(data[k], points, styles)
                                         for k in ("before_note", "before_rest"))))
    return out


def style_rows(data, points: tuple, styles: int) -> tuple:
    """One rising row of levels in [0, 1] per style, at ``points``."""
    rows = tuple(tuple(float(x) for x in row) for row in data)
    if len(rows) != styles or any(
            len(row) != len(points) or not all(0 <= x <= 1 for x in row)
            or any(b < a for a, b in zip(row, row[1:])) for row in rows):
        raise ValueError("the length shapes are not one rising row of levels per style")
    return rows


def style_fields(style: dict) -> dict:
    """The fields of :class:`improv.performance.timefeel.TimeFeel` its JSON's styles
    give (each solo's, how its notes spread around it, the drift, the serials by gap,
    the step centres), checked."""
    out: dict = {}
    # (on the beat, length, off the beat); a table made before the beats were
    # told apart holds one onset style for both
    pairs = tuple((float(x[0]), float(x[1]), float(x[-1] if len(x) == 3 else x[0]))
                  for x in style["solos"])
    if any(len(x) not in (2, 3) for x in style["solos"]):
        raise ValueError("a style is not 2 or 3 normal scores")
    names = tuple(str(n) for n in style.get("names", ()))
    if names and len(names) != len(pairs):
        raise ValueError("the styles' names are not one per style")
    within = tuple((float(style["within"][k]["sd"]), float(style["within"][k]["serial"]))
                   for k in ("onset", "length"))
    if not all(math.isfinite(x) and abs(x) < 5 for pair in pairs for x in pair) or \
            not all(0 < sd <= 2 and abs(rho) < 1 for sd, rho in within):
        raise ValueError("a style outside the normal scores' range")
    out.update(styles=pairs, within=within, style_names=names)
    drift = style["within"]["length"].get("drift")
    if drift is not None:
        share, beats = float(drift["share"]), float(drift["beats"])
        if not (0 <= share < 1 and 0 < beats < 1000):
            raise ValueError("the lengths' drift is not a share under 1 and its beats")
        out.update(length_drift=(share, beats))
    if style.get("length_shapes") is not None:
        out.update(shapes(style["length_shapes"], len(pairs)))
    gapped = style["within"]["onset"].get("serial_by_gap")
    if gapped is not None:  # a table made before 2026-12-05: one serial for both
        gaps, rhos, inside = (tuple(float(x) for x in gapped.get(k, gapped["serial"]))
                              for k in ("edges", "serial", "serial_in_beat"))
        if len(rhos) != len(gaps) + 1 or len(inside) != len(rhos) or \
                not all(abs(r) < 1 for r in rhos + inside) or \
                any(b <= a for a, b in zip(gaps, gaps[1:])):
            raise ValueError("the onsets' serial by gap is not one per gap bin")
        out.update(by_gap=(gaps, rhos, inside))
        if any(k in gapped for k in RUN_KEYS):
            out.update(by_run=by_run(gapped, len(rhos)))
    if style.get("step_centres") is not None:
        centres = tuple(float(x) for x in style["step_centres"])
        sd, rho = (float(style["within"]["step"][k]) for k in ("sd", "serial"))
        if len(centres) != len(pairs) or not all(
                math.isfinite(x) and abs(x) < 5 for x in centres) or \
                not (0 < sd <= 2 and abs(rho) < 1):
            raise ValueError("the styles' steps are not one normal score per style")
        out.update(step_centres=centres, step_within=(sd, rho))
        if style.get("step_kind_centres") is not None:
            kinds = tuple(tuple(float(x) for x in row)
                          for row in style["step_kind_centres"])
            if len(kinds) != len(pairs) or any(
                    len(row) != 2 or not all(math.isfinite(x) and abs(x) < 5
                                             for x in row) for row in kinds):
                raise ValueError("the styles' step centres are not two per style")
            out.update(step_kind_centres=kinds)
    return out
