"""A MusicXML lead sheet (MuseScore, iReal Pro, Sibelius exports) → a :class:`Chart`.

music21 reads the file (``.musicxml``, ``.xml`` or compressed ``.mxl``), expands its
repeats and endings, and gives each measure's chord symbols (``<harmony>``: a root, a
*kind* such as ``dominant`` or ``half-diminished``, degree alterations, a bass) and
rehearsal marks. The kinds are spelt here in improv's chord syntax and parsed by
:func:`improv.language.harmony.parse_chord`, so a chart means the same chords whether
it came from MusicXML or text. music21 is imported only when a file is read.
"""

from __future__ import annotations

import io
import re
import zipfile
from fractions import Fraction
from pathlib import Path

from improv.errors import ChartError, ChordError
from improv.language.harmony import parse_chord
from improv.language.keys import Key
from improv.language.leadsheet import MAX_BARS, METRES, Chart, ChartBar

SUFFIXES = (".musicxml", ".mxl", ".xml")

# MusicXML <kind> values (and music21's names for them) → improv's quality spelling
KINDS = {
    "major": "", "minor": "m", "augmented": "aug", "diminished": "dim",
    "dominant": "7", "dominant-seventh": "7", "major-seventh": "maj7", "minor-seventh": "m7",
    "diminished-seventh": "dim7", "augmented-seventh": "7#5", "half-diminished": "m7b5",
    "major-minor": "m(maj7)", "minor-major-seventh": "m(maj7)", "major-sixth": "6",
    "minor-sixth": "m6", "dominant-ninth": "9", "major-ninth": "maj9", "minor-ninth": "m9",
    "dominant-11th": "9sus4", "major-11th": "maj7#11", "minor-11th": "m11",
    "dominant-13th": "13", "major-13th": "maj9", "minor-13th": "m9",
    "suspended-second": "sus2", "suspended-fourth": "sus4", "suspended-fourth-seventh": "7sus4",
    "power": "5", "augmented-ninth": "9#5", "pedal": "", "Neapolitan": "", "Italian": "7",
    "French": "7b5", "German": "7", "Tristan": "7b5",
    # music21's further names
    "half-diminished-seventh": "m7b5", "half-diminished-ninth": "m7b5",
    "half-diminished-minor-ninth": "m7b5", "half-diminished-11th": "m7b5",
    "half-diminished-13th": "m7b5", "diminished-ninth": "dim7", "diminished-minor-ninth": "dim7",
    "diminished-11th": "dim7", "augmented-major-seventh": "maj7#5", "augmented-11th": "9#5",
    "augmented-dominant-ninth": "9#5", "augmented-dominant-13th": "9#5",
    "augmented-major-ninth": "maj7#5", "augmented-major-11th": "maj7#5",
    "augmented-major-13th": "maj7#5", "minor-major-ninth": "m(maj7)",
    "minor-major-11th": "m(maj7)", "minor-major-13th": "m(maj7)", "seventh-flat-five": "7b5",
}


# (triad spelling, accidental of an added 7th) → the seventh chord
_SEVENTHS = {("sus4", "b"): "7sus4", ("sus4", ""): "7sus4", ("", "b"): "7", ("", ""): "maj7",
             ("m", "b"): "m7", ("m", ""): "m7", ("aug", "b"): "7#5", ("aug", ""): "maj7#5",
             ("dim", "b"): "m7b5", ("dim", ""): "dim7", ("sus2", "b"): "7sus4"}


def _note_name(name: str) -> str:
    """music21 writes flats as '-': 'B-' → 'Bb'."""
    return name.replace("-", "b")


def chord_text(symbol) -> str:
    """One music21 ChordSymbol in improv's chord syntax, e.g. ``Bb7(b9)`` or ``F/A``."""
    if type(symbol).__name__ == "NoChord" or symbol.root() is None:
        return "NC"
    kind = KINDS.get(symbol.chordKind)
    if kind is None:
        raise ChordError(f"chord kind {symbol.chordKind!r} is not one improv knows")
    alterations = []
    for mod in symbol.getChordStepModifications():
        if mod.modType not in ("add", "alter") or mod.degree == 3:
            continue
        semis = int(mod.interval.semitones) if mod.interval is not None else 0
        accidental = {-1: "b", 1: "#"}.get(semis, "")
        if mod.degree == 7:  # a seventh added to a triad (how 7sus4 is often written)
            kind = _SEVENTHS.get((kind, accidental), kind)
            continue
        if mod.degree == 5 and kind in ("m7", "m") and accidental == "b":
            kind = "m7b5" if kind == "m7" else "dim"
            continue
        alterations.append(f"{accidental}{mod.degree}")
    text = _note_name(symbol.root().name) + kind
    if alterations:
        text += "(" + ",".join(alterations) + ")"
    bass = symbol.bass()
    if bass is not None and bass.name != symbol.root().name:
        text += "/" + _note_name(bass.name)
    return text


MAX_XML_BYTES = 20_000_000  # unpacked: a long lead sheet is well under 1 MB
MAX_MEASURES = MAX_BARS  # as written, before music21 builds anything
MAX_REPEAT_TIMES = 16  # a repeat played more often than this is no lead sheet's
_MEASURE = re.compile(rb"<measure[\s>/]")
_TIMES = re.compile(rb"""times\s*=\s*["']\s*(\d+)""")


def unpacked(path: Path, data: bytes) -> bytes:
    """The MusicXML document of ``data`` (the file's bytes): itself, or for an ``.mxl``
    the score its container names, unpacked no further than :data:`MAX_XML_BYTES` by
    what the archive declares and by what it really holds."""
    if path.suffix.lower() != ".mxl":
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_XML_BYTES:
                raise ChartError(f"{path} unpacks to more than {MAX_XML_BYTES:,} bytes: a "
                                 f"compressed lead sheet is far smaller")
            name = _root_file(archive) or next(
                (i.filename for i in infos if not i.filename.startswith("META-INF")
                 and i.filename.lower().endswith((".xml", ".musicxml"))), None)
            if name is None:
                raise ChartError(f"{path}: the archive holds no MusicXML score")
            with archive.open(name) as member:
                xml = member.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as err:
        raise ChartError(f"{path}: not a readable .mxl archive ({err}): export the lead "
                         f"sheet again as compressed MusicXML") from err
    if len(xml) > MAX_XML_BYTES:
        raise ChartError(f"{path} unpacks to more than {MAX_XML_BYTES:,} bytes")
    return xml


def _root_file(archive: zipfile.ZipFile) -> str | None:
    """The score META-INF/container.xml names, if it names one the archive holds."""
    try:
        container = archive.read("META-INF/container.xml")[:100_000]
    except KeyError:
        return None
    found = re.search(rb"""full-path\s*=\s*["']([^"']+)["']""", container)
    name = found.group(1).decode("utf-8", "replace") if found else None
    return name if name in archive.namelist() else None


def check_size(path: Path, xml: bytes) -> str:
    """The document as text, once it is small enough for music21 to build: at most
    :data:`MAX_MEASURES` measures, some at all, no repeat played absurdly often."""
    measures = len(_MEASURE.findall(xml))
    if not measures:
        raise ChartError(f"{path}: no measures: is this a MusicXML lead sheet?")
    if measures > MAX_MEASURES:
        raise ChartError(f"{path}: {measures:,} measures, more than the {MAX_MEASURES} bars "
                         f"improv plays: is this a lead sheet?")
    times = [int(t) for t in _TIMES.findall(xml)]
    if times and max(times) > MAX_REPEAT_TIMES:
        raise ChartError(f"{path}: a repeat is played {max(times)} times; improv expands at "
                         f"most {MAX_REPEAT_TIMES}: write fewer")
    encoding = "utf-16" if xml[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    try:
        return xml.decode(encoding)
    except UnicodeDecodeError as err:
        raise ChartError(f"{path}: not {encoding.upper()} text ({err.reason} at byte "
                         f"{err.start}): export the lead sheet again as MusicXML") from err


def read(path: Path | str, data: bytes | None = None) -> Chart:
    """The chart of a MusicXML file (``data``: its bytes, already read within a size
    limit); every problem is one ChartError naming file and bar."""
    path = Path(path)
    text = check_size(path, unpacked(path, path.read_bytes() if data is None else data))
    try:
        import music21
    except ImportError as err:  # a dependency of improv: only a broken install lacks it
        raise ChartError(f"{path}: reading MusicXML needs music21: pip install music21") from err
    try:
        score = music21.converter.parseData(text, format="musicxml")
    except Exception as err:  # noqa: BLE001 - music21 raises many kinds on bad files
        raise ChartError(f"{path}: not a readable MusicXML file ({type(err).__name__}: "
                         f"{str(err)[:120]}): export the lead sheet again as MusicXML") from err
    parts = list(score.parts) if hasattr(score, "parts") and score.parts else [score]
    part = parts[0]
    try:
        part = part.expandRepeats()
    except Exception as err:  # noqa: BLE001
        raise ChartError(f"{path}: its repeats or endings do not close ({err}): fix them in "
                         f"the notation program") from err
    measures = list(part.getElementsByClass(music21.stream.Measure))
    if not measures:
        raise ChartError(f"{path}: no measures: is this a lead sheet?")
    if len(measures) > MAX_BARS:
        raise ChartError(f"{path}: its repeats play {len(measures)} bars, more than {MAX_BARS}")
    beats, section, current = None, "", None
    key = _key(measures)
    title = (score.metadata.bestTitle or "") if score.metadata is not None else ""
    bars, found = [], 0
    for index, measure in enumerate(measures):
        number = measure.number if measure.number is not None else index + 1
        signature = measure.timeSignature
        if signature is not None:
            here = int(signature.numerator)
            if signature.denominator != 4 or here not in METRES:
                raise ChartError(f"{path}, bar {number}: time signature "
                                 f"{signature.numerator}/{signature.denominator} is not one "
                                 f"improv plays: use 2/4 to 9/4")
            if beats is not None and here != beats:
                raise ChartError(f"{path}, bar {number}: the metre changes from {beats}/4 to "
                                 f"{here}/4; improv plays a chart in one metre")
            beats = here
        opens = False
        for mark in measure.getElementsByClass(music21.expressions.RehearsalMark):
            section = str(mark.content).strip() or section
            opens = True
        chords = []
        for symbol in measure.recurse().getElementsByClass(music21.harmony.ChordSymbol):
            try:
                chord = parse_chord(chord_text(symbol))
            except ChordError as err:
                raise ChartError(f"{path}, bar {number}: {err}") from None
            at = Fraction(symbol.offset).limit_denominator(12)
            chords = [c for c in chords if c[0] != at] + [(at, chord)]
            found += 1
        chords.sort(key=lambda c: c[0])
        if chords and chords[0][0] > 0 and current is not None:
            chords.insert(0, (Fraction(0), current))
        elif chords and chords[0][0] > 0:
            chords[0] = (Fraction(0), chords[0][1])
        if chords:
            current = chords[-1][1]
        pickup = index == 0 and len(measures) > 1 and (
            measure.number == 0 or float(measure.paddingLeft or 0) > 0
            or float(measure.duration.quarterLength) < (beats or 4))
        if pickup:
            continue  # an upbeat bar: its chord, if any, carries into the first full bar
        bars.append((tuple(chords), section, opens))
    if not found:
        raise ChartError(f"{path}: the lead sheet has no chord symbols: add them (chord "
                         f"symbols, not notes, are what improv plays over)")
    beats = beats or 4
    first = next((k for k, (chords, _s, _o) in enumerate(bars) if chords), None)
    out, current = [], bars[first][0][0][1] if first is not None else current
    for chords, name, opens in bars:
        chords = chords or ((Fraction(0), current),)
        chords = tuple((at, c) for at, c in chords if at < beats)
        current = chords[-1][1]
        out.append(ChartBar(chords, name, opens))
    return Chart(tuple(out), beats, title, key=key)


def _key(measures) -> Key | None:
    """The key the lead sheet starts in (its first key signature), if it writes one."""
    for measure in measures[:2]:  # a pickup may come before the signature's bar
        signature = measure.keySignature
        if signature is not None and -7 <= signature.sharps <= 7:
            mode = getattr(signature, "mode", None)
            mode = mode if mode in ("major", "minor") else "major"
            tonic = signature.asKey(mode).tonic.name.replace("-", "b")
            return Key(tonic, mode == "minor")
    return None
