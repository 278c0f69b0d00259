"""How ``improv calibrate`` (:mod:`improv.commands.making.calibrate`) moves each of a
calibration's factors after a round: by the ratio of the players' share to the one
drawn, damped, kept inside the calibration's limits; a class either side has seen fewer
than ``MIN_COUNT`` times keeps its factor (pure numpy: the counts in, the factors out).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from improv.sampling.calibration import FOLLOW, HIGH, LOW, NO_INTERVAL, Calibration
from improv.sampling.followtables import LIMIT
from improv.sampling.phasetable import LIMIT as PHASE_LIMIT

DAMPING = 0.7  # each round moves a factor by this power of the ratio
# The shares after each pair (the line's) are smoothed towards those after
# the last alone, and those towards all the table's (as though this many more were
# counted): most of their thousands of cells are rare, and a factor from a handful of
# notes would be noise.
PAIR_PRIOR = 100.0
MIN_COUNT = 30
# where in the tallies (calibrate.counts) the phase lies, and the tables of what
# follows what begin
PHASE_AT, FOLLOW_AT = 5, 6


def refit(table, target, drawn):
    """The factors moved towards the players' shares (module doc): ``target`` and
    ``drawn`` as :func:`counts` gives them."""
    def moved(factors, target, drawn, fixed=()):
        out = np.array(factors, float)
        for band in range(len(out)):
            t, d = target[band], drawn[band]
            ok = (t >= MIN_COUNT) & (d >= MIN_COUNT)
            ok[list(fixed)] = False
            if not ok.any():
                continue
            ratio = (t[ok] / t[ok].sum()) / (d[ok] / d[ok].sum())
            out[band, ok] = np.clip(out[band, ok] * ratio ** DAMPING, LOW, HIGH)
        return tuple(tuple(float(round(x, 4)) for x in row) for row in out)

    # a phrase's first note (no interval) is drawn where nothing else may be: no factor
    return Calibration(moved(table.duration, target[0], drawn[0]),
                       moved(table.interval, target[1], drawn[1], fixed=(NO_INTERVAL,)),
                       moved(table.pull, target[2], drawn[2]),
                       run_moved(table.run, target[3], drawn[3]),
                       rest_moved(table.rest, target[4], drawn[4]), table.players,
                       *(follow_moved(getattr(table, name), t, d)
                         for name, t, d in zip(FOLLOW, target[FOLLOW_AT:], drawn[FOLLOW_AT:])),
                       recency=table.recency,  # fitted with it on, not moved
                       phase=phase_moved(table.phase, target[PHASE_AT], drawn[PHASE_AT]))


def every_share(counts: np.ndarray) -> np.ndarray:
    """Each class's (the last axis) share of all the counts, one added to each."""
    n = counts.shape[-1]
    return (counts.reshape(-1, n).sum(axis=0) + 1.0) / (counts.sum() + n)


def toward(counts: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Each row's shares (over the last axis) smoothed towards ``shares``, as though
    PAIR_PRIOR more had been counted."""
    return (counts + PAIR_PRIOR * shares) / (counts.sum(axis=-1, keepdims=True) + PAIR_PRIOR)


def pair_shares(counts: np.ndarray) -> np.ndarray:
    """P(next | the pair before) from a table's counts, smoothed (PAIR_PRIOR) towards
    P(next | the last), and that towards the shares of all."""
    last = counts.sum(axis=0)  # [last][next]
    return toward(counts, toward(last, every_share(last))[None])


def rounded(planes: np.ndarray) -> tuple:
    """A three-deep table of factors as the calibration holds them."""
    return tuple(tuple(tuple(float(round(x, 4)) for x in row) for row in plane)
                 for plane in planes)


def follow_moved(factors, target, drawn):
    """A table's factors (the line's) moved by the players' share of each
    next class after each pair over the share drawn, less what the next class's own
    share says (the one-value tables move that)."""
    if not factors or not target.any() or not drawn.any():
        return factors
    own = every_share(target) / every_share(drawn)
    ratio = pair_shares(target) / pair_shares(drawn) / own[None, None, :]
    # every pair moves, however seldom drawn: its ratio is smoothed towards its last
    # interval's (one drawn too seldom to move compounds towards LIMIT; leaving such
    # pairs alone was tried and put a render of improv eval outside the band)
    return rounded(np.clip(np.array(factors, float) * ratio ** DAMPING, 1 / LIMIT, LIMIT))


def phase_moved(factors, target, drawn):
    """The phase's factors (``[band][twelfth][duration class]``) moved by the players'
    share of each length among the notes started at that twelfth over the share drawn,
    less what the length's own share in the band says (the durations' factors move
    that); the shares at a twelfth smoothed (PAIR_PRIOR) towards the band's, so a
    twelfth seldom played moves little. Every length at a twelfth played moves, however
    seldom either side played it there (one neither played moves by the twelfth's
    totals alone, towards a limit, where the fit's own renders still drew it under
    MIN_COUNT times); keeping those at 1 was tried (data/README: The phase) and fitted
    worse. () stays (): no table fitted."""
    if not factors:
        return factors
    out = np.array(factors, float)
    for band in range(len(out)):
        t, d = target[band], drawn[band]
        if t.sum() < MIN_COUNT or d.sum() < MIN_COUNT:
            continue
        t_all, d_all = every_share(t), every_share(d)
        ratio = toward(t, t_all) / toward(d, d_all) / (t_all / d_all)[None, :]
        out[band] = np.clip(out[band] * ratio ** DAMPING, 1 / PHASE_LIMIT, PHASE_LIMIT)
    return rounded(out)


def rest_moved(factors, target, drawn):
    """The rests' factors moved by their share of what is drawn inside a phrase (the
    notes, the last column, the reference: they have no factor here)."""
    out = np.array(factors, float)
    for band in range(len(out)):
        t, d = target[band], drawn[band]
        if t[-1] < MIN_COUNT or d[-1] < MIN_COUNT:
            continue
        ok = (t[:-1] >= MIN_COUNT) & (d[:-1] >= MIN_COUNT)
        ratio = (t[:-1][ok] / t[-1]) / (d[:-1][ok] / d[-1])
        out[band, ok] = np.clip(out[band, ok] * ratio ** DAMPING, LOW, HIGH)
    return tuple(tuple(float(round(x, 4)) for x in row) for row in out)


def run_moved(factors, target, drawn):
    """The run's factors moved by the odds of going on (the players' over those drawn):
    the factor weighs only the step that goes on, against everything else."""
    out = np.array(factors, float)
    for cell in np.ndindex(out.shape):
        t, d = target[cell], drawn[cell]
        if min(t.min(), d.min()) < MIN_COUNT:
            continue
        out[cell] = np.clip(out[cell] * ((t[0] / t[1]) / (d[0] / d[1])) ** DAMPING, LOW, HIGH)
    return tuple(tuple(float(round(x, 4)) for x in row) for row in out)


PLAYER_PRIOR = 20.0  # notes: a player's share of a class shrunk towards its band's
# A player's class moves only where its solo and its renders hold this many notes of it
# together, and by at most this ratio a round (before the damping): moved by every
# round's ratio, the rare classes (a 10-semitone leap three times in a solo, never in
# its render) walked to the limits, and over the four standards 22 of 36 renders of
# improv eval left the Weimar band (mean intervals of 1.9 to 3.6 semitones).
PLAYER_MIN = 20
PLAYER_STEP = 2.0


def players_moved(players, own, drawn, target, band_drawn):
    """Each player's factors moved by its own solo's lean (its shares over its band's)
    over the lean its renders as itself had (their shares over all the renders' in the
    band): the band's factors move what they share. ``own`` and ``drawn``: (duration,
    interval) class counts by the player's name; a player not rendered keeps its own."""
    from improv.sampling import persona

    def lean(counts, band):
        share = band / band.sum()
        return (counts + PLAYER_PRIOR * share) / (counts.sum() + PLAYER_PRIOR) / np.where(
            share > 0, share, 1.0)

    out = []
    for player in players:
        if player.solo not in drawn or player.solo not in own or player.band is None:
            out.append(player)
            continue
        moved = []
        for k, factors in enumerate((player.duration, player.interval)):
            width = len(factors) - k  # the intervals' last class (none) keeps its 1
            t, d = target[k][player.band][:width], band_drawn[k][player.band][:width]
            o, r = own[player.solo][k][:width], drawn[player.solo][k][:width]
            new = np.array(factors, float)
            ok = (t > 0) & (d > 0) & (o + r >= PLAYER_MIN)
            if ok.any() and r.sum() > 0:
                ratio = np.clip(lean(o, t)[ok] / lean(r, d)[ok], 1 / PLAYER_STEP,
                                PLAYER_STEP) ** DAMPING
                # a ratio all classes share moves nothing: the notes' total is kept as
                # they are drawn; scaled so the band's mix keeps its weight
                share = t[ok] / t[ok].sum()
                ratio *= np.dot(share, new[:width][ok]) / np.dot(share, new[:width][ok] * ratio)
                new[:width][ok] = np.clip(new[:width][ok] * ratio, persona.LOW, persona.HIGH)
            moved.append(tuple(float(round(x, 3)) for x in new))
        out.append(dataclasses.replace(player, duration=moved[0], interval=moved[1]))
    return tuple(out)
