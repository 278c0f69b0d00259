"""The vocabulary: grammar values <-> integer indices, in a stable order, saved as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from improv.errors import ModelError
from improv.language.grammar import Value, parse_value


def _order_key(text: str):
    value = parse_value(text)
    return ("CSAXR".index(value.kind), value.duration, value.lo is not None,
            value.lo if value.lo is not None else 0, text)


@dataclass(frozen=True)
class Vocabulary:
    """An ordered tuple of value strings; index i is the model's class i."""

    values: tuple[str, ...]

    @classmethod
    def from_values(cls, values) -> "Vocabulary":
        """Build from any iterable of value strings: distinct values, sorted by type,
        duration and range so the order does not depend on the corpus's note order."""
        return cls(tuple(sorted(set(values), key=_order_key)))

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
    def load(cls, path: Path) -> "Vocabulary":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            values = tuple(data["values"])
            if not values or not all(isinstance(v, str) for v in values):
                raise ValueError("values must be a non-empty list of strings")
            if len(set(values)) != len(values):
                raise ValueError("values repeat")
            for v in values:
                parse_value(v)
        except FileNotFoundError as err:
            raise ModelError(f"{path} is missing: the model directory needs a vocab.json "
                             f"(retrain with 'improv train')") from err
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ModelError(f"{path} is not a valid vocabulary ({err}): retrain with "
                             f"'improv train' or restore the file") from err
        return cls(values)
