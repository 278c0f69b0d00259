"""The Weimar bass lines: checked, corrected, kept or left out, and turned into words.

The beat tables (``wjazzd/beats/NAME.csv``) give a ``bass_pitch`` for almost every beat
of 438 solos, beside the chord. It is an automatic estimate from the audio, and it is
transposed: at the beats where a chord is written, the commonest interval from the
chord's root to ``bass_pitch`` is 7 semitones (a fifth up) in 297 of the 374 solos with
20 or more such beats, where a bass plays the root far more often than anything else.
Within a solo the offset is one number, but how often the estimate agrees with it
varies: the commonest interval covers a median 37% of a solo's written chords. A line
that lands on no root is noise a model would learn as music.

So each solo is read (:func:`read_table`), its commonest interval measured
(:func:`check_solo`), its bass corrected by it (:func:`corrected`), and the solo kept
only where that interval is a fifth (or a fifth and a semitone: a recording played a
little fast) and the corrected bass plays the root on at least ``min_share`` of at
least ``min_changes`` written chords (:func:`keeps`): 40% of 20 on one interval of 12
is no accident, so the correction of a kept solo is certain. Bars that hold a pitch
(:func:`bar_repeats`: a two-feel, a stuck estimate) are not walking and are left out of
the words. ``improv train --bass`` prints the counts; data/README.md records them and
why 40%.

:func:`solo_words` turns a kept solo into the bass's words and contexts
(:mod:`improv.language.bassvocab`); :func:`line_figures` measures a line, the
recordings' or a render's alike (``benchmarks/bass_figures.py``). Pure functions on
plain data, apart from reading the tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from improv.errors import ChordError, CorpusError
from improv.language import bassvocab
from improv.language.harmony import NO_CHORD, Chord, parse_chord
from improv.learning import wjd

MIN_SHARE = 0.4  # kept: the corrected bass is on the root at 40% of the written chords
MIN_CHANGES = 20  # ... of at least this many (fewer says little either way)
OFFSETS = (6, 7, 8)  # ... transposed by a fifth, or by a fifth and a recording's semitone
MIN_METRE = 2  # a table marking every beat as a bar of 1/4 has no bar line to learn
MAX_REPEATS = 1  # a bar repeating a pitch more often is not walking (see solo_words)


@dataclass(frozen=True)
class BassBeat:
    """One row of a beat table, as the bass analysis needs it."""

    bar: int
    beat: int  # 1-based within the bar
    metre: int  # beats in this bar (its highest beat number)
    chord: Chord  # the chord sounding: written here or carried from before
    written: bool  # a chord symbol is written at this beat
    pitch: int | None  # bass_pitch (None: no estimate)


def _chord(symbol: str) -> Chord:
    try:
        return parse_chord(symbol)
    except ChordError:
        return NO_CHORD  # as wjd.read_solo reads a symbol it does not know


def beats_of(rows: Sequence[dict], where: str = "beat table") -> tuple[BassBeat, ...]:
    """The beats of a table's rows (dicts with ``bar``, ``beat``, ``chord`` and
    ``bass_pitch``; other columns are ignored). CorpusError naming ``where`` if a column
    is missing or not a number."""
    try:
        bars = [int(r["bar"]) for r in rows]
        beats = [int(r["beat"]) for r in rows]
        metres: dict[int, int] = {}
        for bar, beat in zip(bars, beats):
            metres[bar] = max(metres.get(bar, 0), beat)
        out, chord = [], NO_CHORD
        for r, bar, beat in zip(rows, bars, beats):
            symbol = (r["chord"] or "").strip()
            if symbol:
                chord = _chord(symbol)
            pitch = (r["bass_pitch"] or "").strip()
            out.append(BassBeat(bar, beat, metres[bar], chord, bool(symbol),
                                int(round(float(pitch))) if pitch else None))
    except (KeyError, ValueError) as err:
        raise CorpusError(f"{where}: not a Weimar beat table ({err}): see "
                          f"../shared/corpus/README.md for the columns") from err
    return tuple(out)


def read_table(path: Path) -> tuple[BassBeat, ...]:
    """The beats of one solo's beat table (``beats/NAME.csv``)."""
    return beats_of(wjd.read_rows(path), Path(path).name)


def table_paths(root: Path) -> list[Path]:
    """Every solo's beat table under a ``wjazzd`` folder, sorted by name."""
    if not wjd.is_folder(root):
        raise CorpusError(f"{root} is not a Weimar folder (melody/ and beats/ inside): pass "
                          f"the wjazzd folder, e.g. ../shared/corpus/wjazzd")
    return [wjd.beats_path(p) for p in wjd.solo_paths(root)]


# --- the check ---------------------------------------------------------------------------

def change_intervals(beats: Sequence[BassBeat]) -> Counter:
    """Interval (0-11) from the written chord's root up to ``bass_pitch``, counted over
    the beats where a chord other than N.C. is written and the bass is estimated."""
    return Counter((b.pitch - b.chord.root) % 12 for b in beats
                   if b.written and b.pitch is not None and b.chord.quality != "nc")


@dataclass(frozen=True)
class SoloCheck:
    """What a solo's bass says about itself."""

    name: str
    beats: int  # rows of the table
    estimated: int  # beats with a bass estimate
    changes: int  # written chords (not N.C.) with a bass estimate
    offset: int  # the commonest interval from the written root to the estimate
    share: float  # the share of ``changes`` at ``offset``: the root share once corrected
    fifth_share: float  # the share at 7 (the root share after a correction by a fifth)
    metre: int  # the commonest bar length


def check_solo(name: str, beats: Sequence[BassBeat]) -> SoloCheck:
    intervals = change_intervals(beats)
    n = sum(intervals.values())
    # ties go to 7, then to the smaller interval: the transposition the corpus shows
    offset = max(range(12), key=lambda i: (intervals[i], i == 7, -i)) if n else 7
    metre = Counter(b.metre for b in beats).most_common(1)[0][0] if beats else 0
    return SoloCheck(name, len(beats), sum(b.pitch is not None for b in beats), n, offset,
                     intervals[offset] / n if n else 0.0, intervals[7] / n if n else 0.0,
                     metre)


def keeps(check: SoloCheck, min_share: float = MIN_SHARE,
          min_changes: int = MIN_CHANGES) -> bool:
    """Whether a solo's bass is trustworthy enough to learn from (see the module doc)."""
    return (check.changes >= min_changes and check.share >= min_share
            and check.offset in OFFSETS and check.metre >= MIN_METRE)


def corrected(beats: Sequence[BassBeat], offset: int) -> tuple[BassBeat, ...]:
    """The beats with ``bass_pitch`` moved down by ``offset`` semitones."""
    return tuple(BassBeat(b.bar, b.beat, b.metre, b.chord, b.written,
                          None if b.pitch is None else b.pitch - offset) for b in beats)


def summary(checks: Sequence[SoloCheck], min_share: float = MIN_SHARE,
            min_changes: int = MIN_CHANGES) -> dict:
    """The corpus-wide numbers of the check: what is measured, what is kept."""
    enough = [c for c in checks if c.changes >= min_changes]
    kept = [c for c in checks if keeps(c, min_share, min_changes)]
    changes = sum(c.changes for c in checks)
    ordered = sorted(c.share for c in enough)
    return {
        "solos": len(checks), "beats": sum(c.beats for c in checks),
        "estimated": sum(c.estimated for c in checks),
        "with_changes": sum(c.changes > 0 for c in checks), "enough": len(enough),
        "offset_7": sum(c.offset == 7 for c in enough),
        "root_share_after_7": round(sum(c.fifth_share * c.changes for c in checks)
                                    / max(changes, 1), 4),
        "median_modal_share": round(ordered[len(ordered) // 2], 4) if ordered else 0.0,
        "low_share": sum(c.share < min_share for c in enough),
        "odd_offset": sum(c.share >= min_share and c.offset not in OFFSETS for c in enough),
        "no_bar_line": sum(c.share >= min_share and c.offset in OFFSETS and c.metre < MIN_METRE
                           for c in enough),
        "kept": len(kept), "kept_beats": sum(c.estimated for c in kept),
        "kept_offsets": dict(sorted(Counter(c.offset for c in kept).items())),
        "min_share": min_share, "min_changes": min_changes,
    }


# --- words --------------------------------------------------------------------------------

def chord_runs(chords: Sequence[Chord]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of one chord over consecutive beats."""
    runs, start = [], 0
    for k in range(1, len(chords) + 1):
        if k == len(chords) or chords[k] != chords[start]:
            runs.append((start, k))
            start = k
    return runs


def beat_contexts(beats: Sequence[BassBeat]) -> list[tuple[int, ...]]:
    """The context (:func:`improv.language.bassvocab.features`) of every beat."""
    chords = [b.chord for b in beats]
    runs = chord_runs(chords)
    out = []
    for r, (start, end) in enumerate(runs):
        previous = chords[runs[r - 1][0]] if r > 0 else None
        following = chords[runs[r + 1][0]] if r + 1 < len(runs) else None
        for k in range(start, end):
            b = beats[k]
            out.append(bassvocab.features(chords[k], previous, following, b.beat - 1,
                                          b.metre, k - start,
                                          None if following is None else end - k))
    return out


def bar_repeats(beats: Sequence[BassBeat]) -> dict[int, int]:
    """Per bar, how many of its consecutive estimated beats repeat a pitch."""
    out: dict[int, int] = {}
    for a, b in zip(beats, beats[1:]):
        if a.bar == b.bar:
            out[b.bar] = out.get(b.bar, 0) + (a.pitch is not None and a.pitch == b.pitch)
    return out


def solo_words(beats: Sequence[BassBeat], max_repeats: int = MAX_REPEATS
               ) -> tuple[list[list[str]], list[list[tuple]]]:
    """A corrected solo as the bass model reads it: per bar, the word of each beat with
    a bass note under a chord, and its context. Beats with no estimate or under N.C.
    are left out, and so are bars that repeat a pitch more than ``max_repeats`` times
    (half or whole notes: a two-feel or a held estimate, not a walking bar); the note
    after a gap has no step (``n``)."""
    contexts = beat_contexts(beats)
    repeats = bar_repeats(beats)
    words: list[list[str]] = []
    feats: list[list[tuple]] = []
    previous, bar = None, None
    for b, f in zip(beats, contexts):
        if b.bar != bar:
            words.append([])
            feats.append([])
            bar = b.bar
        if b.pitch is None or b.chord.quality == "nc" or repeats.get(b.bar, 0) > max_repeats:
            previous = None
            continue
        words[-1].append(bassvocab.note_token(b.pitch, b.chord.root, previous))
        feats[-1].append(f)
        previous = b.pitch
    return words, feats


@dataclass(frozen=True)
class KeptSolo:
    check: SoloCheck
    beats: tuple[BassBeat, ...]  # corrected
    path: Path


def kept_solos(root: Path, min_share: float = MIN_SHARE, min_changes: int = MIN_CHANGES):
    """(every solo's check, the kept solos corrected by their offsets)."""
    checks, kept = [], []
    for path in table_paths(root):
        beats = read_table(path)
        check = check_solo(path.stem, beats)
        checks.append(check)
        if keeps(check, min_share, min_changes):
            kept.append(KeptSolo(check, corrected(beats, check.offset), path))
    return checks, kept


def training_corpus(kept: Sequence[KeptSolo], max_repeats: int = MAX_REPEATS):
    """What :func:`improv.learning.training.prepare` takes: per solo its bars of words,
    one dict per solo for model.json (file, checksum, offset, root share), and per solo
    its bars of contexts."""
    import hashlib

    pieces, corpus, contexts = [], [], []
    for solo in kept:
        words, feats = solo_words(solo.beats, max_repeats)
        pieces.append(words)
        contexts.append(feats)
        corpus.append({"file": solo.path.name,
                       "sha256": hashlib.sha256(solo.path.read_bytes()).hexdigest(),
                       "offset": solo.check.offset, "root_share": round(solo.check.share, 4)})
    return pieces, corpus, contexts


# --- figures -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LineFigures:
    """A bass line's figures, as the issue asks them of the renders and the recordings."""

    root_on_change: float  # chord changes where the bass plays the new root on the beat
    approach: float  # changes whose note before is a step or half step from the new root
    repeated: float  # consecutive notes on the same pitch
    range: int  # semitones from the lowest note to the highest
    notes_per_beat: float

    NAMES = ("root_on_change", "approach", "repeated", "range", "notes_per_beat")


def line_figures(pitches: Sequence[int | None], chords: Sequence[Chord]) -> LineFigures:
    """Figures of a line given per beat: ``pitches[k]`` the note starting on beat ``k``
    (None: none), ``chords[k]`` the chord there. A change is a beat whose chord differs
    from the beat before's (N.C. is no change); pitch classes decide root and approach,
    so an octave slip of the Weimar estimate does not count against it."""
    on_root = changes = near = approached = repeats = pairs = 0
    for k in range(1, len(pitches)):
        here, before = pitches[k], pitches[k - 1]
        if here is not None and before is not None:
            pairs += 1
            repeats += here == before
        chord = chords[k]
        if chord == chords[k - 1] or chord.quality == "nc" or here is None:
            continue
        changes += 1
        on_root += here % 12 == chord.root
        if before is not None:
            approached += 1
            near += min((before - chord.root) % 12, (chord.root - before) % 12) in (1, 2)
    played = [p for p in pitches if p is not None]
    return LineFigures(on_root / changes if changes else 0.0,
                       near / approached if approached else 0.0,
                       repeats / pairs if pairs else 0.0,
                       max(played) - min(played) if played else 0,
                       len(played) / len(pitches) if pitches else 0.0)


def solo_figures(beats: Sequence[BassBeat]) -> LineFigures:
    """:func:`line_figures` of a (corrected) table."""
    return line_figures([b.pitch for b in beats], [b.chord for b in beats])
