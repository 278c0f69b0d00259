"""Lead sheets in improv's text format: headers, sections, form, repeats, errors."""

from fractions import Fraction

import pytest

from improv.errors import ChartError
from improv.language.leadsheet import parse_text

WALTZ = """\
# a waltz
title: Waltz
tempo: 150
time: 3/4
form: AABA

[A]
| Dm7 | G7 . C7 |: Cmaj7 | % :|
[B]
| Fm7 | Bb7 |
"""


def names(bar):
    return [(float(at), chord.name) for at, chord in bar.chords]


def test_headers_sections_form_and_repeats():
    chart = parse_text(WALTZ)
    assert (chart.title, chart.tempo, chart.beats_per_bar) == ("Waltz", 150.0, 3)
    assert len(chart.bars) == 6 + 6 + 2 + 6
    assert [b.section for b in chart.bars[:7]] == ["A"] * 6 + ["A"]
    assert chart.bars[12].section == "B" and chart.sections == ("A", "B", "A")
    assert names(chart.bars[1]) == [(0.0, "G7"), (2.0, "C7")]  # '.' holds G7 a beat more
    assert [names(b) for b in chart.bars[2:6]] == [[(0.0, "Cmaj7")]] * 4  # |: Cmaj7 | % :|


def test_bars_without_a_section_or_form_play_in_order():
    chart = parse_text("| C7 | F7 Bb7 |\n| Gm7 C7 |")
    assert chart.beats_per_bar == 4 and len(chart.bars) == 3
    assert names(chart.bars[1]) == [(0.0, "F7"), (2.0, "Bb7")]
    assert chart.sections == ("A",)


def test_five_four_shares_the_bar_in_fifths_of_it():
    chart = parse_text("time: 5/4\n| Ebm7 . . Bbm7 . |")
    assert chart.bars[0].chords[1][0] == Fraction(3)


@pytest.mark.parametrize("text, words", [
    ("| C7 | F7 |\n| C7 |\n\n\n\n\n| C7 | Xq7 |", ["line 7", "bar 5", "Xq7"]),
    ("time: 7/3\n| C7 |", ["line 1", "7/3", "2/4 to 9/4"]),
    ("time: waltz\n| C7 |", ["line 1", "'waltz'"]),
    ("form: ABA\n[A]\n| C7 |", ["form", "'B'"]),
    ("| % |", ["line 1", "bar 1", "'%'"]),
    ("| . C7 |", ["'.'"]),
    ("| C7 |: F7 |", ["never closed"]),
    ("composer: Me\n| C7 |", ["unknown header 'composer'"]),  # key: is known since charts carry keys
    ("just words", ["line 1", "neither"]),
    ("# nothing\n", ["no bars"]),
    ("[A]\n| C7 |\n[A]\n| F7 |", ["line 3", "twice"]),
    ("| C7 |\n[A]\n| F7 |", ["line 2", "twice", "before the first [section]"]),
    ("| Dm7 | | G7 |", ["line 1", "bar 2", "empty bar"]),
    ("|: C7 | F7 :|\n| G7 | Xq7 |", ["line 2", "bar 4", "Xq7"]),  # bars as written
    ("[A]\n|: C7 |\n[B]\n| F7 |", ["line 3", "never closed"]),
])
def test_errors_name_the_line_and_bar(text, words):
    with pytest.raises(ChartError) as err:
        parse_text(text, "tune.txt")
    message = str(err.value)
    assert message.startswith("tune.txt") and "\n" not in message
    for word in words:
        assert word in message


def test_a_repeat_may_span_lines_within_a_section():
    chart = parse_text("[A]\n|: C7 | F7 |\n| G7 | C7 :|\n[B]\n| Bb7 |")
    assert [names(b)[0][1] for b in chart.bars] == ["C7", "F7", "G7", "C7"] * 2 + ["Bb7"]
