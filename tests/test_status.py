"""The status line: bar, chord, last note, tempo; rewritten on a terminal, a line per bar
into a file."""

import io

from improv.commands.status import StatusLine
from improv.language.harmony import parse_chord
from improv.band.note import Note


def note(bar, pitch, part="melody"):
    return Note(0.0, 1.0, 1, pitch, 90, part, parse_chord("Bb7"), bar)


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_one_line_per_bar_into_a_file():
    out = io.StringIO()
    status = StatusLine(out, tempo=132, port="'improv'")
    status.refresh()
    for bar, pitch in [(1, 60), (1, 62), (2, 65), (2, 50, ), (3, 70)]:
        status.observe("on", note(bar, pitch), 0.0, 0.0)
        status.observe("on", note(bar, 40, "comping"), 0.0, 0.0)  # chords are not shown
        status.refresh()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("improv: waiting for the first note | 132 BPM")
    assert lines[1:] == ["improv: bar 1 | Bb7 | C4 (vel 90) | 132 BPM | 1 notes",
                         "improv: bar 2 | Bb7 | F4 (vel 90) | 132 BPM | 3 notes",
                         "improv: bar 3 | Bb7 | Bb4 (vel 90) | 132 BPM | 5 notes"]


def test_rewritten_in_place_on_a_terminal():
    out = Tty()
    status = StatusLine(out, tempo=90)
    status.observe("on", note(4, 67), 0.0, 0.0)
    status.refresh()
    status.refresh()  # nothing new: nothing written
    status.close()
    assert out.getvalue() == "\rimprov: bar 4 | Bb7 | G4 (vel 90) | 90 BPM | 1 notes\x1b[K\n"


def test_what_improv_hears_is_on_the_line():
    out = io.StringIO()
    status = StatusLine(out, tempo=120, port="'improv'")
    status.listening = "listening"
    status.refresh()
    status.listening = "hearing Dm7 | answering | temp 1.5"
    status.observe("on", note(1, 60), 0.0, 0.0)
    status.refresh()
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("| listening")
    assert lines[1].endswith("1 notes | hearing Dm7 | answering | temp 1.5")
