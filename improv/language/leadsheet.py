"""A lead sheet: bars of chords in one metre, with sections; and improv's text chart format.

The text format (documented in the README), one statement per line::

    # a comment
    title: Waltz for a Friend
    tempo: 160
    time: 3/4
    form: A A B A

    [A]
    | Dm7 | G7 | Cmaj7 | % |
    [B]
    |: Fm7 . Bb7 | Ebmaj7 :|

* ``title:``, ``tempo:`` (BPM), ``time:`` (beats/4: 2/4 to 9/4; default 4/4) and
  ``form:`` (section names in playing order, separated by spaces; ``AABA`` also reads as
  four one-letter sections) are optional headers.
* ``[NAME]`` starts a section; bars before any section header are a section named
  ``A`` (or the only section). Without ``form:``, sections play in the order written.
* Bars are separated by ``|``. Chords in a bar share it equally; ``.`` holds the chord
  before for one more share, so ``Fm7 . Bb7`` in 3/4 is two beats then one. ``%``
  repeats the bar before. ``|:`` and ``:|`` repeat the bars between them once more.
* Chord symbols are those of ``progression`` (:func:`improv.language.harmony.parse_chord`).

Errors are :class:`~improv.errors.ChartError` naming the file, line and bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from improv.errors import ChartError, ChordError
from improv.language.harmony import Chord, parse_chord

METRES = range(2, 10)  # beats (quarter notes) per bar improv plays in
MAX_BARS = 4096


@dataclass(frozen=True)
class ChartBar:
    """One bar: its chords as ``(beat within the bar, chord)``, and its section."""

    chords: tuple[tuple[Fraction, Chord], ...]
    section: str = ""


@dataclass(frozen=True)
class Chart:
    """A whole tune as it is played: every bar in order (form and repeats expanded)."""

    bars: tuple[ChartBar, ...]
    beats_per_bar: int = 4
    title: str = ""
    tempo: float | None = None

    @property
    def sections(self) -> tuple[str, ...]:
        """Section names in playing order, each run of bars once."""
        out: list[str] = []
        for bar in self.bars:
            if bar.section and (not out or out[-1] != bar.section):
                out.append(bar.section)
        return tuple(out)


def parse_time(text: str, where: str) -> int:
    """``3/4`` → 3 beats per bar; improv counts quarter-note beats, so /4 only."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ChartError(f"{where}: time signature {text.strip()!r} is not N/4: write e.g. "
                         f"'time: 3/4'")
    beats, unit = int(match.group(1)), int(match.group(2))
    if unit != 4 or beats not in METRES:
        raise ChartError(f"{where}: time signature {beats}/{unit} is not one improv plays: "
                         f"use 2/4 to 9/4 (3/4 waltz, 4/4, 5/4, 6/4 ...)")
    return beats


def split_bar(symbols: list[str], beats: int, where: str) -> tuple[tuple[Fraction, Chord], ...]:
    """Chords sharing a bar equally, ``.`` extending the chord before."""
    if symbols[0] == ".":
        raise ChartError(f"{where}: a bar starts with '.', which holds the chord before in "
                         f"the same bar: put a chord first")
    share = Fraction(beats, len(symbols))
    chords = []
    for k, symbol in enumerate(symbols):
        if symbol == ".":
            continue
        try:
            chords.append((k * share, parse_chord(symbol)))
        except ChordError as err:
            raise ChartError(f"{where}: {err}") from None
    return tuple(chords)


def _bars_of_line(text: str, beats: int, where, previous: ChartBar | None, section: str):
    """The bars of one line of ``|``-separated bars, repeats expanded."""
    bars: list[ChartBar] = []
    repeat_from: int | None = None
    number = 0
    for cell in re.split(r"(\|:|:\||\|)", text):
        cell = cell.strip()
        if cell == "|:":
            repeat_from = len(bars)
            continue
        if cell == ":|":
            bars.extend(bars[repeat_from if repeat_from is not None else 0:])
            repeat_from = None
            continue
        if cell in ("|", ""):
            continue
        number += 1
        here = where(number)
        if cell == "%":
            last = bars[-1] if bars else previous
            if last is None:
                raise ChartError(f"{here}: '%' repeats the bar before, and there is none")
            bars.append(ChartBar(last.chords, section))
            continue
        bars.append(ChartBar(split_bar(cell.split(), beats, here), section))
    if repeat_from is not None:
        raise ChartError(f"{where(number)}: a repeat opened with '|:' is never closed with ':|'")
    return bars


def parse_text(text: str, source: str = "chart") -> Chart:
    """Parse improv's text chart format (see the module docstring)."""
    headers: dict[str, str] = {}
    sections: dict[str, list[ChartBar]] = {}
    order: list[str] = []
    current = ""
    beats = 4
    lines = text.splitlines()
    # headers first: the metre must be known before any bar is split
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z]+)\s*:\s*(.*)", stripped)
        if match and "|" not in stripped:
            key = match.group(1).lower()
            if key not in ("title", "tempo", "time", "form"):
                raise ChartError(f"{source}, line {number}: unknown header {key!r}: use title:, "
                                 f"tempo:, time: or form:")
            headers[key] = match.group(2).strip()
            if key == "time":
                beats = parse_time(match.group(2), f"{source}, line {number}")
    previous: ChartBar | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped or (re.fullmatch(r"[A-Za-z]+\s*:.*", stripped) and "|" not in stripped):
            continue
        section = re.fullmatch(r"\[\s*([^\]\s]+)\s*\]", stripped)
        if section:
            current = section.group(1)
            if current in sections:
                raise ChartError(f"{source}, line {number}: section [{current}] is written twice: "
                                 f"give each section one name and repeat it with form:")
            sections[current], order = [], order + [current]
            continue
        if "|" not in stripped:
            raise ChartError(f"{source}, line {number}: {stripped!r} is neither a header, a "
                             f"[section] nor bars between '|'")
        if current not in sections:
            current = current or "A"
            sections[current], order = [], order + [current]
        done = sum(len(v) for v in sections.values())
        bars = _bars_of_line(stripped, beats,
                             lambda k, n=number, d=done: f"{source}, line {n}, bar {d + k}",
                             previous, current)
        sections[current].extend(bars)
        if bars:
            previous = bars[-1]
    if not any(sections.values()):
        raise ChartError(f"{source}: no bars: write bars of chords between '|', e.g. "
                         f"'| Dm7 | G7 | Cmaj7 |'")
    form = _form(headers.get("form"), order, sections, source)
    played = tuple(bar for name in form for bar in sections[name])
    if len(played) > MAX_BARS:
        raise ChartError(f"{source}: the form plays {len(played)} bars, more than {MAX_BARS}")
    tempo = None
    if "tempo" in headers:
        try:
            tempo = float(headers["tempo"])
        except ValueError:
            tempo = -1.0
        if not 20 <= tempo <= 400:
            raise ChartError(f"{source}: tempo {headers['tempo']!r} is not 20 to 400 BPM")
    return Chart(played, beats, headers.get("title", ""), tempo)


def _form(text: str | None, order: list[str], sections: dict, source: str) -> list[str]:
    if not text:
        return [name for name in order if sections[name]]
    names = text.split()
    if len(names) == 1 and names[0] not in sections:
        names = list(names[0])  # "AABA"
    for name in names:
        if name not in sections:
            raise ChartError(f"{source}: form: names section {name!r}, which the chart does not "
                             f"have (it has {', '.join(order) or 'none'})")
        if not sections[name]:
            raise ChartError(f"{source}: section [{name}] has no bars")
    return names


def from_progression(bars: tuple[tuple[Chord, ...], ...], beats_per_bar: int = 4) -> Chart:
    """A ``progression`` string's bars (chords sharing each bar equally) as a chart."""
    return Chart(tuple(ChartBar(tuple((k * Fraction(beats_per_bar, len(bar)), c)
                                      for k, c in enumerate(bar)))
                       for bar in bars), beats_per_bar)
