"""Recording a take: what was played and heard, on the beats of the clock followed, a
whole file after every flush (fake times, no port)."""

import mido

from improv.band.chart import Progression
from improv.band.comping import CompingPart
from improv.band.melody import MelodyPart
from improv.commands.charts import load_chart
from improv.language.keys import parse_key
from improv.rendering.take import RecordingOutput, Take

from daemon_fakes import FakeClock, RecordingPort


def make_take(path):
    chart = Progression.from_chart(load_chart("rhythm-changes"))
    parts = [MelodyPart(None, None), CompingPart()]
    return Take(path, parts, 4, span_at=chart.span_at, section_at=chart.section_at,
                section_opens_at=lambda beat: chart.section_opens(int(beat // 4)),
                key=parse_key("Bb"))


def read(path):
    midi = mido.MidiFile(path)
    out = {}
    for track in midi.tracks:
        tick, events = 0, []
        for m in track:
            tick += m.time
            events.append((tick, m))
        out[track.name] = events
    return midi, out


def test_a_take_holds_each_part_the_musician_the_tempo_and_the_chart(tmp_path):
    path = tmp_path / "take.mid"
    take = make_take(path)
    clock = FakeClock()
    port = RecordingPort(clock)
    out = RecordingOutput(port, take, clock)
    clock.now = 10.0
    take.tempo(10.0, 0.0, 120.0)  # beat 0 at 10 s, 120 BPM
    out.send(mido.Message("program_change", channel=0, program=66))
    out.send(mido.Message("note_on", channel=0, note=60, velocity=90))
    take.heard(10.25, [0x90, 64, 100])  # the musician, half a beat in
    clock.now = 10.5
    out.send(mido.Message("note_off", channel=0, note=60))
    out.send(mido.Message("note_on", channel=1, note=50, velocity=60))
    take.heard(10.75, [0x80, 64, 0])
    take.chord_heard(10.3, "Ebmaj7")
    take.flush(11.0)
    assert port.sent and len(port.sent) == 4  # the port got everything, unchanged
    midi, tracks = read(path)
    assert list(tracks) == ["improv", "melody", "comping", "musician"]
    melody = [(t, m.type) for t, m in tracks["melody"] if not m.is_meta]
    assert melody == [(0, "program_change"), (0, "note_on"), (480, "note_off")]
    assert [(t, m.bytes()) for t, m in tracks["musician"] if not m.is_meta] == \
        [(240, [0x90, 64, 100]), (720, [0x80, 64, 0])]
    assert (288, "heard Ebmaj7") in [(t, m.text) for t, m in tracks["musician"]
                                     if m.type == "marker"]
    assert next(m.name for _, m in tracks["melody"] if m.type == "instrument_name") == "Tenor Sax"
    marks = [m.text for _, m in tracks["improv"] if m.type == "marker"]
    assert marks[:2] == ["A", "Bb6"]
    assert [(t, m.key) for t, m in tracks["improv"] if m.type == "key_signature"] == [(0, "Bb")]
    # the clock changes tempo: the beats after it are spaced by the new one
    take.tempo(11.0, 2.0, 60.0)
    take.played(12.0, mido.Message("note_on", channel=0, note=62, velocity=90))
    take.flush(12.5)
    midi, tracks = read(path)
    tempos = [(t, round(mido.tempo2bpm(m.tempo))) for t, m in tracks["improv"]
              if m.type == "set_tempo"]
    assert tempos == [(0, 120), (960, 60)]
    assert (960 + 480, "note_on") in [(t, m.type) for t, m in tracks["melody"]]


def test_every_flush_leaves_a_whole_file(tmp_path):
    path = tmp_path / "take.mid"
    take = make_take(path)
    take.flush(1.0)
    assert not path.exists()  # nothing to place on beats yet
    take.tempo(0.0, 0.0, 100.0)
    for k in range(5):
        take.played(k * 0.3, mido.Message("note_on", channel=0, note=60 + k, velocity=80))
        take.flush(k * 0.3 + 0.1)
        midi = mido.MidiFile(path)  # parses every time: never half written
        assert sum(m.type == "note_on" for m in midi.tracks[1]) == k + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.mid"]  # no temporaries
