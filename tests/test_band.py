"""One interface for every part: a metronome written in three lines joins the band and
plays through the scheduler, the file renderer and the synth unchanged."""

from fractions import Fraction

import mido
import numpy as np
import pytest

from improv.band.chart import Progression
from improv.band.comping import Comping, CompingPart
from improv.band.ensemble import Ensemble
from improv.performance.feel import Feel
from improv.band.melody import MelodyPart
from improv.band.melodysettings import Melody
from improv.band.part import Part
from improv.errors import UsageError
from improv.rendering.midifile import render
from improv.timing.scheduler import Scheduler

from daemon_fakes import FakeClock, FakeSource, RecordingPort, pair_notes, run_with


class Click(Part):  # the whole of a new part: its name and its next event
    name = "click"

    def _next(self, until, stage):
        self.cursor += 1
        return [self.note(self.cursor - 1, self.cursor - Fraction(1, 2), 76, 100, stage)]


STRAIGHT = Feel(swing=0.0, accent=0, humanise=0, timing="grid")
DRUMS = 10  # General MIDI's percussion channel (9 on the wire)


def trio(source, *, comping=True, chart="F7 | Bb7"):
    parts = [MelodyPart(source, np.random.default_rng(0), Melody()),
             CompingPart(Comping(enabled=comping, style="charleston")), Click(DRUMS)]
    return Ensemble(parts, Progression.parse(chart), feel=STRAIGHT)


def rig(band, stop_at=None):
    clock = FakeClock(stop_at=stop_at)
    port = RecordingPort(clock)
    scheduler = Scheduler(band, port, tempo=120, clock=clock, wait=clock.wait, start_delay=0.0)
    return clock, port, scheduler


def onsets(port, channel):
    return [ms for ms, m in port.sent if m.type == "note_on" and m.channel == channel]


def test_a_new_part_plays_on_time_through_the_scheduler_beside_the_others():
    _, port, scheduler = rig(trio(FakeSource(["C,0.250"])))
    scheduler.run(until_beat=8)
    assert onsets(port, DRUMS - 1) == [500.0 * k for k in range(8)]  # every beat, on time
    assert onsets(port, 0) == [125.0 * k for k in range(32)]  # the solo as ever
    assert onsets(port, 1)  # and the chords
    pairs, left = pair_notes(port.sent)
    assert not left  # every note switched on is switched off, the click's too
    assert all(off - on == 250.0 for on, off, m in pairs if m.channel == DRUMS - 1)


def test_a_new_part_gets_its_own_track_in_a_rendered_file(tmp_path):
    out = tmp_path / "trio.mid"
    done = render(trio(FakeSource(["C,0.500"])), out, tempo=120, bars=2)
    assert done.counts == {"melody": 16, "comping": done.counts["comping"], "click": 8}
    midi = mido.MidiFile(out)
    names = [next(m.name for m in t if m.type == "track_name") for t in midi.tracks]
    assert names == ["improv", "melody", "comping", "click"]
    clicks = [m for m in midi.tracks[3] if m.type == "note_on"]
    assert len(clicks) == 8 and {m.channel for m in clicks} == {DRUMS - 1}


def test_stalls_transport_hush_and_panic_act_on_every_part():
    band = trio(FakeSource(["C,2.000"]))
    click = band.part("click")
    band.advance(2)
    band.skip_to(5)  # after a stall every part re-enters on the same beat
    assert [p.cursor for p in band.parts] == [5, 5, 5]
    assert band.advance(6)[0].start == 5
    band.jump_to(1)  # a master's Continue from beat 1
    assert [p.cursor for p in band.parts] == [1, 1, 1] and band.cursor == 1
    assert click.cursor == 1
    # hush gives the musician the soloist's room: the click, like the comping, plays on
    sent = run_with(trio(FakeSource(["C,4.000"])), 0.6, Scheduler.hush, stop_at=2.0,
                    tempo=120)
    pairs, left = pair_notes(sent)
    assert not left
    assert [(on, off) for on, off, m in pairs if m.channel == 0] == [(0.0, 600.0)]
    assert [on for on, _, m in pairs if m.channel == DRUMS - 1] == [0, 500, 1000, 1500]
    # panic silences every part at once, and playing goes on
    sent = run_with(trio(FakeSource(["C,4.000"])), 0.6, Scheduler.panic, stop_at=2.0,
                    tempo=120)
    cut = [m.channel for ms, m in sent if ms == 600.0 and m.type == "control_change"]
    assert sorted(cut) == [0, 1, DRUMS - 1]  # All Notes Off on every channel used
    assert [on for on, _, m in pair_notes(sent)[0]
            if m.channel == DRUMS - 1 and on > 600] == [1000.0, 1500.0]


def test_every_part_off_still_moves_on_in_time():
    band = trio(FakeSource(["C,1.000"]), comping=False)
    for part in band.parts:
        part.enabled = False
    assert band.advance(4) == [] and band.cursor == 4  # the scheduler never spins


def test_two_parts_may_not_share_a_name():
    with pytest.raises(UsageError, match="different names"):
        Ensemble([Click(9), Click(10)], Progression.parse("F7"))


def test_a_new_part_sounds_through_the_synth(tmp_path):
    from improv.midi.synth import SynthSettings, render_wav

    from test_synth import read_wav, rms, synth_missing

    if synth_missing():
        pytest.skip(f"FluidSynth or a soundfont is absent: {synth_missing()}")
    band = Ensemble([Click(DRUMS)], Progression.parse("C7"), feel=STRAIGHT)
    notes = band.advance(4)
    render_wav(notes, tmp_path / "click.wav", tempo=120, beats=4, settings=SynthSettings(),
               programs={})
    rate, frames = read_wav(tmp_path / "click.wav")
    hits = [rms(frames, rate, 0.5 * k, 0.5 * k + 0.1) for k in range(4)]
    assert min(hits) > 100, hits  # each beat sounds, on the percussion channel


def test_one_part_at_a_time_makes_the_same_music():
    """The scheduler asks a part's event a call (advance_one): the notes are the same as
    the whole band's asked at once."""
    def make():
        return Ensemble([MelodyPart(FakeSource(["C,0.250", "R,0.500", "S,0.750"]),
                                    np.random.default_rng(4)),
                         CompingPart(Comping(), np.random.default_rng(5)), Click(DRUMS)],
                        Progression.parse("Dm7 | G7 | Cmaj7 | A7"), feel=STRAIGHT)
    whole, steps = make(), make()
    once = whole.advance(32)
    parts, calls = [], 0
    while steps.cursor < 32:
        parts.extend(steps.advance_one(steps.cursor + 1e-6))
        calls += 1
    key = lambda n: (n.start, n.part, n.pitch)
    assert sorted((n for n in parts if n.start < 32), key=key) == sorted(once, key=key)
    assert calls > len({n.start for n in once if n.part == "melody"})  # parts took turns


def test_after_a_stall_the_solo_re_enters_on_a_beat_even_when_it_had_run_ahead():
    """The part may have made notes up to the middle of a beat past where the scheduler
    resumes; its new phrase starts on the next whole beat, not there."""
    from daemon_fakes import FakeSource

    part = MelodyPart(FakeSource(["C,0.250", "C,0.500,<M3,m-3>"]), np.random.default_rng(0))
    part.cursor = Fraction(27, 4)  # ran ahead to 6.75
    part.skip_to(Fraction(13, 2))  # the scheduler resumes at 6.5
    assert part.cursor == 7
