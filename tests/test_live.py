"""Live changes: a new progression from the next bar line, tempo and feel at once,
everything else reported as needing a restart, a bad file reported and ignored."""

import dataclasses
from fractions import Fraction
import io
import os

import numpy as np

from improv.commands import config
from improv.commands.live import ConfigWatcher, diff
from improv.commands.session import _apply_changes, follow_tempo
from improv.commands.status import StatusLine
from improv.band.comping import Comping
from improv.performance.feel import Feel, swing
from improv.band.chart import Progression

from daemon_fakes import FakeSource, duo

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0, timing="grid")


def performer(chart="F7 | Bb7", comping=True):
    return duo(FakeSource(["C,0.500"]), Progression.parse(chart), np.random.default_rng(1),
                     feel=STRAIGHT, comping=Comping(enabled=comping, style="charleston"))


def test_a_new_progression_starts_from_its_top_at_the_next_bar_line():
    p = performer()
    before = p.advance(5.5)  # generated into bar 2 (beats 4..8)
    p.set_progression(Progression.parse("Dm7 | G7 | Cmaj7"))
    after = p.advance(24)
    assert all(str(n.chord) in ("F7", "Bb7") for n in before)
    by_bar = {}
    for note in after:
        by_bar.setdefault(note.bar, set()).add(str(note.chord))
    assert by_bar[2] == {"Bb7"}  # the bar already begun finishes on the old chart
    assert [by_bar[b] for b in (3, 4, 5, 6)] == [{"Dm7"}, {"G7"}, {"Cmaj7"}, {"Dm7"}]
    comping = [n for n in after if n.part == "comping"]
    assert all(n.end <= 8 or n.start >= 8 for n in comping)  # no chord straddles the change


def test_a_change_at_a_bar_line_takes_effect_there():
    p = performer(comping=False)
    p.advance(8)
    p.set_progression(Progression.parse("Ebmaj7"))
    notes = p.advance(12)
    assert notes[0].start == 8 and str(notes[0].chord) == "Ebmaj7"


def test_feel_changes_apply_to_the_next_notes():
    p = performer(comping=False)
    p.advance(4)
    p.set_feel(Feel(swing=1.0, accent=0, humanise=0, timing="grid"))
    notes = p.advance(8)
    swung = round(swing(Fraction(1, 2), 1.0), 3)  # the off-beat eighth by the triplet
    assert [round(n.start - int(n.start), 3) for n in notes[:2]] == [0.0, swung] and swung > 0.6


def test_the_feel_follows_the_tempo_played_at():
    p = performer(comping=False)
    assert p.stage.feel.tempo is None
    follow_tempo(p, 183.24)  # a master's clock, a reloaded tempo: told at once
    assert p.stage.feel.tempo == 183.2 and p.stage.feel.swing == STRAIGHT.swing
    follow_tempo(p, 185.0)  # within 2%: a master's jitter, left alone
    assert p.stage.feel.tempo == 183.2
    follow_tempo(p, 90.0)
    assert p.stage.feel.tempo == 90.0
    p.set_feel(STRAIGHT)  # [feel] reloaded: its table says no tempo
    follow_tempo(p, 90.0)
    assert p.stage.feel.tempo == 90.0


def test_diff_separates_live_changes_from_restart_ones():
    old = config.default()
    new = dataclasses.replace(old, tempo=150.0, progression="C7",
                              feel=dataclasses.replace(old.feel, swing=0.2),
                              melody=dataclasses.replace(old.melody, channel=3))
    change = diff(old, new)
    assert (change.tempo, change.progression, change.feel.swing) == (150.0, "C7", 0.2)
    assert change.restart == ("[melody] channel",)
    assert diff(old, old) == type(change)()


def test_watcher_sees_a_saved_file_and_a_request(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("tempo = 120\n")
    watcher = ConfigWatcher(path)
    assert not watcher.due()
    path.write_text("tempo = 150\n")
    os.utime(path, ns=(1, 1))  # a different mtime whatever the file system's resolution
    assert watcher.due() and not watcher.due()
    watcher.request()
    assert watcher.due() and not watcher.due()
    path.unlink()
    assert not watcher.due()  # mid-save or removed: keep playing


class FakeScheduler:
    def __init__(self):
        self.tempi = []

    def set_tempo(self, bpm):
        self.tempi.append(bpm)


def test_apply_changes_sets_tempo_chart_and_reports_restart_keys():
    old = config.default()
    new = config.parse('tempo = 90\nprogression = "Dm7 | G7"\n[melody]\nchannel = 4\n')
    sched, perf, out = FakeScheduler(), performer(), io.StringIO()
    perf.advance(1)
    status = StatusLine(out, tempo=old.tempo)
    result = _apply_changes(old, lambda: new, sched, perf, status)
    assert result == new and sched.tempi == [90.0] and status.tempo == 90.0
    perf.advance(5)
    assert str(perf.span_at(4).chord) == "Dm7"
    lines = out.getvalue().splitlines()
    assert lines == ["improv: now playing tempo 90 BPM; progression 'Dm7 | G7' from the next bar",
                     "improv: [melody] channel changed: restart the daemon to apply"]


def test_a_bad_file_is_one_line_and_the_music_goes_on():
    old = config.default()

    def reload():
        return config.parse('progression = "F7 | H7"\n')

    sched, out = FakeScheduler(), io.StringIO()
    result = _apply_changes(old, reload, sched, performer(), StatusLine(out, tempo=120))
    assert result is old and sched.tempi == []
    (line,) = out.getvalue().splitlines()
    assert line.startswith("improv: settings not applied, still playing as before:") and "H7" in line
