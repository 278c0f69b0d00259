"""The calibration's file beside a model (``calibration.json``): written by ``improv
calibrate``, read by the player (:mod:`improv.sampling.calibration` holds what it
says). A file made for other weights (the model retrained since) is left out with a
warning; a damaged one is one line naming the fix."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from improv.errors import ModelError
from improv.files import read_limited
from improv.sampling.calibration import FOLLOW, TABLES, Calibration

log = logging.getLogger(__name__)

# 2: players carry their compass; 3: the line (and since 2026-12-06 the phase, if any)
FORMAT = "improv-calibration-3"
READS = ("improv-calibration-1", "improv-calibration-2", FORMAT)  # older files still play
FILE = "calibration.json"
MAX_BYTES = 1 << 20


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
        if not isinstance(data, dict) or data.get("format") not in READS:
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
              for name, rows in ((name, getattr(table, name)) for name in TABLES)]
    tables.append(' "players": [\n' + ",\n".join(
        f"  {json.dumps(p.to_list())}" for p in table.players) + "\n ]")
    for name in (*FOLLOW, *(("phase",) if table.phase else ())):
        tables.append(f' "{name}": [\n' + ",\n".join(
            "  [\n" + ",\n".join(f"   {json.dumps(list(r))}" for r in plane) + "\n  ]"
            for plane in getattr(table, name)) + "\n ]")
    if table.recency:
        tables.append(f' "recency": {json.dumps(list(table.recency))}')
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
