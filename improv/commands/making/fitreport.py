"""What ``improv calibrate`` prints after each round (:mod:`improv.commands.making.
calibrate`): how far the values drawn are from the players' shares, band by band and
table by table (total variation distance: half the summed absolute differences), and
how far each player's renders are from its own solo."""

from __future__ import annotations

import numpy as np

from improv.commands.making.refit import FOLLOW_AT, PHASE_AT


def report(number: int, target, drawn) -> None:
    from improv.language import context
    from improv.sampling.calibration import FOLLOW, NO_INTERVAL

    edges = (0, *context.TEMPO_EDGES)
    cells = []
    for band in range(len(target[0])):
        if drawn[0][band].sum() == 0:
            continue
        cells.append(f"{edges[band]:.0f}+ BPM {_tv(target[0][band], drawn[0][band]):.3f}/"
                     f"{_tv(target[1][band, :NO_INTERVAL], drawn[1][band, :NO_INTERVAL]):.3f}")
    pull = [f"{_tv(t, d):.3f}" for t, d in zip(target[2], drawn[2])]
    going = [f"{_on(t):.2f}/{_on(d):.2f}" for t, d in zip(target[3].reshape(-1, 2),
                                                         drawn[3].reshape(-1, 2))]
    rests = [f"{t[:-1].sum() / max(t[-1], 1):.3f}/{d[:-1].sum() / max(d[-1], 1):.3f}"
             for t, d in zip(target[4], drawn[4]) if d.sum()]
    follow = "".join(f"  {name} {_tv(t.ravel(), d.ravel()):.3f}"
                     for name, t, d in zip(FOLLOW, target[FOLLOW_AT:], drawn[FOLLOW_AT:])
                     if d.any())
    if drawn[PHASE_AT].any():  # how far the lengths at each twelfth are, over the bands
        follow += f"  phase {_tv(target[PHASE_AT].ravel(), drawn[PHASE_AT].ravel()):.3f}"
    print(f"round {number}: distance durations/intervals  " + "  ".join(cells) + follow +
          f"  rests per note inside phrases (players/drawn) {' '.join(rests)}" +
          f"  pull by offset {'/'.join(pull)}  runs going on (players/drawn) up "
          f"{' '.join(going[:len(going) // 2])} down {' '.join(going[len(going) // 2:])}")
    if not drawn[2].any():
        print("  no pull counted: the melody says where its line stands only with "
              "[melody] intervals = \"exact\" (the pull stays as it is)")


def _on(pair: np.ndarray) -> float:
    """The share of a run's (went on, did not) that went on."""
    return float(pair[0] / max(pair.sum(), 1))


def _tv(a: np.ndarray, b: np.ndarray) -> float:
    return 0.5 * float(np.abs(a / max(a.sum(), 1) - b / max(b.sum(), 1)).sum())


def report_players(own: dict, by_player: dict) -> None:
    """How far each player's renders are from its own solo's shares (the median of the
    total variation distances, durations/intervals), where it played."""
    dist = [(_tv(own[n][0], d), _tv(own[n][1][:-1], i[:-1]))
            for n, (d, i) in by_player.items() if n in own]
    if dist:
        d, i = np.median(np.array(dist), axis=0)
        print(f"  {len(dist)} players against their own solos: distance durations/intervals "
              f"median {d:.3f}/{i:.3f}")
