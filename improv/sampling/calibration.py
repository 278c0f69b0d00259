"""The model's drift taken out of a free-running solo (pure numpy, and a small JSON file).

Read note by note from the corpus, the shipped Weimar model predicts the players'
values closely; playing on from its own values, it drifts: semitones grew to 31% of
its intervals where the players have 27%, and at 150-190 BPM eighth notes to 44% of its
notes where the players have 31% (their sixteenths and sextuplets fell to half). A
:class:`Calibration` holds, for each tempo band of the model's context
(:mod:`improv.language.context`), a factor for each note duration (twelfths of a beat)
and each interval (semitones from the last pitch); a note value's weight is multiplied
by the two before each draw, and the notes together keep the share of the draw the model
gave them (so the factors move notes among themselves, never towards or away from
rests). ``improv calibrate`` fits the factors by rounds of renders over the corpus's own
changes until the values drawn have the players' shares, and writes them beside the
model as ``calibration.json`` with the model's weights hash: a retrained model has none
until it is fitted again, and a stale one is left out with a warning (``[sampling]
calibrate`` turns it off).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from improv.errors import ModelError
from improv.files import read_limited
from improv.language.grammar import Value, twelfths

log = logging.getLogger(__name__)

FORMAT = "improv-calibration-1"
FILE = "calibration.json"
MAX_BYTES = 1 << 20
N_DURATIONS = 14  # 1..12 twelfths each its own; 13-23; 24 and longer
N_INTERVALS = 15  # 0..12 semitones each its own; wider; no interval (a phrase's first note)
LOW, HIGH = 0.05, 20.0  # the factors are kept inside these: a nudge, not a new model


def duration_class(value: Value) -> int:
    t = twelfths(value.duration)
    return min(max(t, 1), 12) - 1 if t <= 12 else (12 if t < 24 else 13)


def interval_class(value: Value) -> int:
    if value.lo is None:
        return 14
    return min(abs((value.lo + value.hi) // 2), 13)


@dataclass(frozen=True)
class Calibration:
    """``duration[band][class]`` and ``interval[band][class]``: the factors, one row per
    tempo band (``len(duration) == len(interval)``)."""

    duration: tuple[tuple[float, ...], ...]
    interval: tuple[tuple[float, ...], ...]

    def __post_init__(self):
        if len(self.duration) != len(self.interval) or not self.duration:
            raise ValueError("a calibration needs as many duration rows as interval rows")
        for rows, width in ((self.duration, N_DURATIONS), (self.interval, N_INTERVALS)):
            for row in rows:
                if len(row) != width or not all(LOW <= x <= HIGH for x in row):
                    raise ValueError(f"a calibration row needs {width} factors within "
                                     f"{LOW}..{HIGH}")

    @property
    def bands(self) -> int:
        return len(self.duration)

    @classmethod
    def neutral(cls, bands: int) -> "Calibration":
        return cls(((1.0,) * N_DURATIONS,) * bands, ((1.0,) * N_INTERVALS,) * bands)

    def factors(self, values: Sequence[Value]) -> np.ndarray:
        """(bands, len(values)): each note value's factor in each band, 1 for rests."""
        d = np.array(self.duration)
        i = np.array(self.interval)
        notes = np.array([not v.is_rest for v in values])
        dc = np.array([duration_class(v) for v in values])
        ic = np.array([interval_class(v) for v in values])
        return np.ascontiguousarray(np.where(notes[None, :], d[:, dc] * i[:, ic], 1.0))

    def to_dict(self) -> dict:
        return {"duration": [list(r) for r in self.duration],
                "interval": [list(r) for r in self.interval]}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibration":
        return cls(tuple(tuple(float(x) for x in r) for r in data["duration"]),
                   tuple(tuple(float(x) for x in r) for r in data["interval"]))


def load(model_dir: Path, weights_sha256: str | None, bands: int) -> Calibration | None:
    """The calibration beside a model, or None where there is none. One made for other
    weights (the model retrained since) or for another number of tempo bands is left
    out with a warning; a damaged file is a ModelError naming the fix."""
    path = Path(model_dir) / FILE
    if not path.is_file():
        return None
    fix = (f"run improv calibrate --model {model_dir} --save {path} again, delete it, or "
           f"set [sampling] calibrate = false")
    try:
        raw = read_limited(path, MAX_BYTES, "calibration", ModelError)
    except OSError as err:
        raise ModelError(f"{path} cannot be read ({err.strerror or err}): {fix}") from err
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        table = Calibration.from_dict(data)
    except RecursionError as err:
        raise ModelError(f"{path} is not a calibration improv can read (nested too deeply): "
                         f"{fix}") from err
    except (ValueError, KeyError, TypeError, OverflowError) as err:
        raise ModelError(f"{path} is not a calibration improv can read ({err}): {fix}") from err
    if data.get("weights_sha256") != weights_sha256 or table.bands != bands:
        log.warning("%s was made for another model (retrained since?): the model plays "
                    "uncalibrated; %s", path, fix)
        return None
    return table


def to_json(table: Calibration, weights_sha256: str, made_by: str, **extra) -> str:
    """The file's text: a band's factors on a line of their own."""
    head = json.dumps({"format": FORMAT, "weights_sha256": weights_sha256, "made_by": made_by,
                       **extra}, indent=1)[:-2]
    tables = [f' "{name}": [\n' + ",\n".join(f"  {json.dumps(list(r))}" for r in rows) + "\n ]"
              for name, rows in (("duration", table.duration), ("interval", table.interval))]
    return head + ",\n" + ",\n".join(tables) + "\n}\n"


def calibration_for(model_dir: Path | str | None) -> Calibration | None:
    """The calibration of a model directory or shipped model's name (None: the default
    model), or None where it has none that fits it."""
    from improv.language import context
    from improv.model import modelfile

    where = modelfile.resolve(model_dir)
    if not (where / FILE).is_file():
        return None
    sha = modelfile.read_meta(where / modelfile.META).get("weights_sha256")
    return load(where, sha, len(context.TEMPO_EDGES) + 1)
