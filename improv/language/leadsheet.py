"""A lead sheet: bars of chords in one metre, with sections; and improv's text chart format.

The text format (documented in the README), one statement per line::

    # a comment
    title: Waltz for a Friend
    tempo: 160
    key: C
    time: 3/4
    form: A A B A

    [A]
    | Dm7 | G7 | Cmaj7 | % |
    [B]
    |: Fm7 . Bb7 | Ebmaj7 :|

* ``title:``, ``tempo:`` (BPM), ``time:`` (beats/4: 2/4 to 9/4; default 4/4),
  ``key:`` (``Bb``, ``Gm``: written into rendered and recorded files), ``style:`` (the
  band's: swing, ballad, bossa, waltz, latin or even8) and ``form:``
  (section names in playing order, separated by spaces; ``AABA`` also reads as
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
from dataclasses import dataclass, replace
from fractions import Fraction

from improv.errors import ChartError, ChordError
from improv.language.harmony import Chord, parse_chord
from improv.language.keys import Key, parse_key

STYLES = ("swing", "ballad", "bossa", "waltz", "latin", "even8")  # improv.band.styles

METRES = range(2, 10)  # beats (quarter notes) per bar improv plays in
MAX_BARS = 4096
CHORDS_PER_BEAT = 4  # a chord at most every sixteenth: the rhythm grid's straight step


@dataclass(frozen=True)
class ChartBar:
    """One bar: its chords as ``(beat within the bar, chord)``, and its section."""

    chords: tuple[tuple[Fraction, Chord], ...]
    section: str = ""
    opens: bool = False  # the first bar of its section as the form plays it (A A B A: four)


@dataclass(frozen=True)
class Chart:
    """A whole tune as it is played: every bar in order (form and repeats expanded)."""

    bars: tuple[ChartBar, ...]
    beats_per_bar: int = 4
    title: str = ""
    tempo: float | None = None
    key: Key | None = None  # where the lead sheet names it (a progression never does)
    style: str = ""  # the band style a text chart asks for ("" none)

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
    if len(symbols) > CHORDS_PER_BEAT * beats:
        raise ChartError(f"{where}: {len(symbols)} chords in one bar: at most "
                         f"{CHORDS_PER_BEAT * beats} fit {beats} beats (a sixteenth each)")
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


class _Reader:
    """Bars line by line into their sections; repeats may span lines within a section."""

    def __init__(self, beats: int, source: str):
        self.beats, self.source = beats, source
        self.sections: dict[str, list[ChartBar]] = {}
        self.order: list[str] = []
        self.current = ""
        self.implicit = False  # bars came before any [section]: they are section A
        self.repeat_from: int | None = None  # index in the current section's bars
        self.written = 0  # bars as written (repeats not expanded), for messages

    def section(self, name: str, line: int) -> None:
        self.close_repeat_check(line)
        if name in self.sections:
            why = (" (bars before the first [section] are section A)"
                   if self.implicit and name == "A" else "")
            raise ChartError(f"{self.source}, line {line}: section [{name}] is written twice"
                             f"{why}: give each section one name and repeat it with form:")
        self.sections[name], self.current = [], name
        self.order.append(name)

    def close_repeat_check(self, line: int) -> None:
        if self.repeat_from is not None:
            raise ChartError(f"{self.source}, line {line}: a repeat opened with '|:' in "
                             f"[{self.current}] is never closed with ':|'")

    def bars(self, text: str, line: int) -> None:
        if self.current not in self.sections:
            self.implicit = True
            self.section("A", line)
        bars = self.sections[self.current]
        tokens = [t.strip() for t in re.split(r"(\|:|:\||\|)", text)]
        cells = [t for t in tokens if t]  # separators and bars, in order
        for k, cell in enumerate(cells):
            if cell == "|:":
                self.repeat_from = len(bars)
            elif cell == ":|":
                again = bars[self.repeat_from if self.repeat_from is not None else 0:]
                self.grow(len(again), line)  # before it is made: repeats of repeats double
                bars.extend(again)
                self.repeat_from = None
            elif cell == "|":
                if 0 < k and cells[k - 1] in ("|", "|:") and k + 1 < len(cells):
                    raise ChartError(f"{self.source}, line {line}, bar {self.written + 1}: "
                                     f"an empty bar: put a chord in it, or % to repeat the "
                                     f"bar before")
            else:
                self.written += 1
                self.grow(1, line)
                bars.append(self.bar(cell, bars, line))

    def grow(self, more: int, line: int) -> None:
        """Refuse a chart whose bars, repeats expanded, would pass :data:`MAX_BARS`."""
        if sum(map(len, self.sections.values())) + more > MAX_BARS:
            raise ChartError(f"{self.source}, line {line}: with its repeats the chart passes "
                             f"{MAX_BARS} bars: is a ':|' too many?")

    def bar(self, cell: str, bars: list, line: int) -> ChartBar:
        here = f"{self.source}, line {line}, bar {self.written}"
        if cell == "%":
            last = bars[-1] if bars else next(
                (self.sections[n][-1] for n in reversed(self.order) if self.sections[n]), None)
            if last is None:
                raise ChartError(f"{here}: '%' repeats the bar before, and there is none")
            return ChartBar(last.chords, self.current)
        return ChartBar(split_bar(cell.split(), self.beats, here), self.current)


def _headers(lines: list[str], source: str) -> tuple[dict[str, str], int]:
    """The ``key: value`` headers (all of them first: bars are split in the metre)."""
    headers, beats = {}, 4
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z]+)\s*:\s*(.*)", stripped)
        if match and "|" not in stripped:
            key = match.group(1).lower()
            if key not in ("title", "tempo", "time", "form", "key", "style"):
                raise ChartError(f"{source}, line {number}: unknown header {key!r}: use title:, "
                                 f"tempo:, time:, key:, style: or form:")
            headers[key] = match.group(2).strip()
            if key == "time":
                beats = parse_time(match.group(2), f"{source}, line {number}")
    return headers, beats


def parse_text(text: str, source: str = "chart") -> Chart:
    """Parse improv's text chart format (see the module docstring)."""
    lines = text.splitlines()
    headers, beats = _headers(lines, source)
    reader = _Reader(beats, source)
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped or (re.fullmatch(r"[A-Za-z]+\s*:.*", stripped) and "|" not in stripped):
            continue
        section = re.fullmatch(r"\[\s*([^\]\s]+)\s*\]", stripped)
        if section:
            reader.section(section.group(1), number)
        elif "|" in stripped:
            reader.bars(stripped, number)
        else:
            raise ChartError(f"{source}, line {number}: {stripped!r} is neither a header, a "
                             f"[section] nor bars between '|'")
    reader.close_repeat_check(len(lines))
    sections = reader.sections
    if not any(sections.values()):
        raise ChartError(f"{source}: no bars: write bars of chords between '|', e.g. "
                         f"'| Dm7 | G7 | Cmaj7 |'")
    form = _form(headers.get("form"), reader.order, sections, source)
    length = sum(len(sections[name]) for name in form)  # counted before it is built
    if length > MAX_BARS:
        raise ChartError(f"{source}: the form plays {length} bars, more than {MAX_BARS}")
    played = tuple(replace(bar, opens=True) if k == 0 else bar
                   for name in form for k, bar in enumerate(sections[name]))
    tempo = None
    if "tempo" in headers:
        try:
            tempo = float(headers["tempo"])
        except ValueError:
            tempo = -1.0
        if not 20 <= tempo <= 400:
            raise ChartError(f"{source}: tempo {headers['tempo']!r} is not 20 to 400 BPM")
    key = parse_key(headers["key"], f"{source}: key") if "key" in headers else None
    style = headers.get("style", "").strip().lower()
    if style and style not in STYLES:
        raise ChartError(f"{source}: style {style!r} is not one improv plays: use "
                         f"{', '.join(STYLES)}")
    return Chart(played, beats, headers.get("title", ""), tempo, key, style)


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
