"""Settings as frozen dataclasses whose fields carry their own default, range or choices.

Each layer defines the settings of its own code next to that code (the sampler's in
:mod:`improv.sampling.soloist`, the scheduler's in :mod:`improv.timing.scheduler`
…) with :func:`setting`, and checks them in ``__post_init__`` with :func:`validate`.
The command layer's ``config`` composes those classes into the TOML schema and checks
a file's values with the same :func:`check`, so a value is held to one rule wherever it
comes from, and every mistake is one line naming where it came from and what it must be.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from functools import lru_cache

from improv.errors import UsageError


def setting(default, *, lo=None, hi=None, choices=None, config: bool = True):
    """A settings field: ``default`` and the inclusive range or the choices it keeps to.

    ``config=False`` marks a field that code sets but the config file does not offer.
    """
    return dataclasses.field(default=default, metadata={
        "lo": lo, "hi": hi, "choices": None if choices is None else tuple(choices),
        "config": config, "setting": True})


@lru_cache(maxsize=None)
def kinds(cls) -> dict[str, tuple[type, bool]]:
    """``{field: (kind, optional)}``: bool, int, float, str or a settings class; optional
    when the annotation admits None (code may pass None; a TOML file cannot)."""
    hints = typing.get_type_hints(cls)
    result = {}
    for f in dataclasses.fields(cls):
        hint, optional = hints[f.name], False
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            hint, optional = args[0], True
        result[f.name] = (hint, optional)
    return result


def did_you_mean(word: str, known) -> str:
    """`` (did you mean 'X'?)`` for the known name closest to a misspelt ``word``, or ""."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(kind: type, meta) -> str:
    """What a value must be, in words: ``a number from 0.05 to 5``, ``one of 'a', 'b'``."""
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if choices:
        return "one of " + ", ".join(repr(c) for c in choices)
    if lo is not None:
        return f"a number from {lo:g} to {hi:g}" if kind is float else f"an integer from {lo} to {hi}"
    return {bool: "true or false", str: "a string", int: "an integer", float: "a number"}[kind]


def check(kind: type, meta, value, where: str, error: type[Exception] = UsageError):
    """``value`` converted to ``kind`` (an int where a float is wanted becomes a float),
    or ``error`` naming ``where``: ``temperature``, ``--tempo`` or
    ``config.toml: [sampling] top_p =``."""
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    raw = value
    want = describe(kind, meta)
    ok_type = {bool: isinstance(value, bool),
               int: isinstance(value, int) and not isinstance(value, bool),
               float: isinstance(value, (int, float)) and not isinstance(value, bool),
               str: isinstance(value, str)}[kind]
    if not ok_type:
        raise error(f"{where} {value!r} has the wrong type: it must be {want}")
    if kind is float:
        value = float(value)
        if not math.isfinite(value):
            raise error(f"{where} {raw!r} is not a finite number: it must be {want}")
    if choices and value not in choices:
        raise error(f"{where} {value!r} is not known{did_you_mean(value, choices)}: it must "
                    f"be {want}")
    if lo is not None and not (lo <= value <= hi):
        raise error(f"{where} {raw!r} is out of range: it must be {want}")
    return value


def validate(instance) -> None:
    """Check every :func:`setting` field of a settings dataclass (from ``__post_init__``);
    ints given for floats are stored as floats."""
    for f in dataclasses.fields(instance):
        if not f.metadata.get("setting"):
            continue
        kind, optional = kinds(type(instance))[f.name]
        value = getattr(instance, f.name)
        if value is None and optional:
            continue
        checked = check(kind, f.metadata, value, f.name)
        if checked is not value:
            object.__setattr__(instance, f.name, checked)


def meta(cls, name: str) -> dict:
    """The range and choices of one field: ``meta(SamplingSettings, "top_p")["hi"]``."""
    return dict(cls.__dataclass_fields__[name].metadata)
