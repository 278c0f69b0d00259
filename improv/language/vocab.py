"""The vocabulary: grammar values <-> integer indices, in a stable order, saved as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from improv.errors import ModelError, UsageError
from improv.files import read_limited
from improv.language.grammar import Value, parse_value

MAX_VALUES = 20_000  # distinct values a vocabulary may hold (the Metheny piece has 207)
MAX_FILE_BYTES = 4_000_000


def _order_key(text: str):
    value = parse_value(text)
    return ("CSAXR".index(value.kind), value.duration, value.lo is not None,
            value.lo if value.lo is not None else 0, text)


@dataclass(frozen=True)
class Vocabulary:
    """An ordered tuple of value strings; index i is the model's class i."""

    values: tuple[str, ...]

    @classmethod
    def from_values(cls, values, order=None) -> "Vocabulary":
        """Build from any iterable of value strings: distinct values, sorted by type,
        duration and range so the order does not depend on the corpus's note order.
        ``order``: the sort key of another kind of word (the bass's, say)."""
        return cls(tuple(sorted(set(values), key=order or _order_key)))

    def __len__(self) -> int:
        return len(self.values)

    def __contains__(self, value: str) -> bool:
        return value in self._lookup

    @property
    def _lookup(self) -> dict[str, int]:
        lookup = self.__dict__.get("_lookup_cache")
        if lookup is None:
            lookup = {v: i for i, v in enumerate(self.values)}
            object.__setattr__(self, "_lookup_cache", lookup)
        return lookup

    def index(self, value: str) -> int:
        return self._lookup[value]

    def encode(self, values) -> list[int]:
        return [self._lookup[v] for v in values]

    def parsed(self) -> tuple[Value, ...]:
        """Each entry parsed once, for the real-time path."""
        return tuple(parse_value(v) for v in self.values)

    def to_json(self) -> str:
        return json.dumps({"values": list(self.values)}, indent=1) + "\n"

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, parse=None) -> "Vocabulary":
        """Read and check ``vocab.json``; every problem is one ModelError naming it.
        ``parse``: what checks each entry (default: a grammar value; a bass model's
        words are checked by :func:`improv.language.bassvocab.parse_token`)."""
        path = Path(path)
        fix = "retrain with 'improv train' or restore the file"
        try:
            raw = read_limited(path, MAX_FILE_BYTES, "vocabulary", ModelError)
        except FileNotFoundError as err:
            raise ModelError(f"{path} is missing: the model directory needs a vocab.json "
                             f"(retrain with 'improv train')") from err
        except OSError as err:
            raise ModelError(f"{path} cannot be read ({err.strerror or err}): {fix}") from err
        try:
            data = json.loads(raw.decode("utf-8"))
        except RecursionError as err:
            raise ModelError(f"{path} is not a valid vocabulary (nested too deeply): {fix}") from err
        except (OSError, ValueError) as err:
            raise ModelError(f"{path} is not a valid vocabulary ({err}): {fix}") from err
        try:
            values = cls._check(data, parse)
        except ValueError as err:
            raise ModelError(f"{path} is not a valid vocabulary: {err}: {fix}") from err
        return cls(values)

    @staticmethod
    def _check(data, parse=None) -> tuple[str, ...]:
        """The values of a parsed vocab.json, or ValueError saying what is wrong."""
        if not isinstance(data, dict) or "values" not in data:
            raise ValueError('it must be a JSON object with a "values" list')
        values = data["values"]
        if not isinstance(values, list):
            raise ValueError(f'"values" must be a list of value strings, not a '
                             f'{type(values).__name__}')
        if not values:
            raise ValueError('"values" is empty')
        if len(values) > MAX_VALUES:
            raise ValueError(f'"values" holds {len(values):,} entries, more than {MAX_VALUES:,}')
        for k, v in enumerate(values):
            if not isinstance(v, str):
                raise ValueError(f"entry {k} is {v!r}, not a value string")
            try:
                (parse or parse_value)(v)
            except UsageError if parse is None else (UsageError, ValueError) as err:
                raise ValueError(f"entry {k}: {err}") from None
        seen = set()
        for k, v in enumerate(values):
            if v in seen:
                raise ValueError(f"entry {k} {v!r} repeats an earlier entry")
            seen.add(v)
        return tuple(values)


def nearest(value: Value, values: tuple[Value, ...]) -> int:
    """The index of the vocabulary value closest to ``value`` (a musician's note the
    model never saw as such): the same type if any (a rest stays a rest), then the
    nearest duration, then the nearest interval range (a range where ``value`` has
    one; none where it has none)."""
    def distance(k: int):
        v = values[k]
        ranged = (v.lo is None) != (value.lo is None)
        spread = 0 if v.lo is None or value.lo is None else abs(v.lo - value.lo) + abs(v.hi - value.hi)
        return (v.kind != value.kind, v.is_rest != value.is_rest,
                round(abs(v.duration - value.duration), 6), ranged, spread, k)
    return min(range(len(values)), key=distance)
