"""Real-time playback: notes at absolute beats become MIDI messages at clock times.

Every message time comes from its absolute beat and one tempo anchor
(:class:`~improv.timing.tempo.TempoMap`), never from adding up intervals, so hours of
music do not drift. Values are generated at most ``lookahead`` beats before they sound
(the melody's, with the players' time feel, ``timefeel.EARLIEST`` more: a note may sound
that far ahead of its place), so a tempo or chord change is heard within a beat. Between messages
the scheduler blocks in ``wait(timeout)`` (``threading.Event.wait`` by default, woken at
once by :meth:`Scheduler.stop` and :meth:`Scheduler.set_tempo`): no busy loop.

Late events (the process was stopped, suspended or starved): a note_on more than
``late`` seconds behind its time is left out, and with it its note_off; a note_off is
always sent, however late. If the music fell behind by more than that, the source skips
to the next beat line instead of producing a backlog that would only be dropped, and
the solo re-enters there, on the grid. Each such stall is one :class:`Stall` in
:attr:`Scheduler.stalls` for the caller to report. No more than ``MAX_BURST`` messages
leave in one go, so a port's buffer is never flooded.

The clock, the wait and the output are injected, so tests drive the scheduler with a
fake clock and a recording port, without sleeping.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Protocol

import mido

from improv.band.note import Note
from improv.settings import setting, validate
from improv.timing.instruments import Instruments
from improv.timing.queue import ON, TICK, MessageQueue
from improv.timing.sounding import Sounding
from improv.timing.stalls import Stall, resume_at
from improv.timing.stepcost import StepCost
from improv.timing.tempo import TempoMap

logger = logging.getLogger(__name__)

EPSILON = 1e-6  # beats


@dataclass(frozen=True)
class SchedulerSettings:
    """The ``[scheduler]`` table: how far ahead values are generated, and the priority."""

    # beats; a melody whose notes may be pushed ahead reads that much further on its own
    lookahead: float = setting(0.5, lo=0.125, hi=1.0)
    realtime: bool = setting(True)
    late_ms: float = setting(20.0, lo=1.0, hi=500.0)  # a note_on later than this is dropped

    def __post_init__(self):
        validate(self)


class Output(Protocol):
    def send(self, message: mido.Message) -> None: ...


class NoteSource(Protocol):
    cursor: float

    def advance(self, until: float) -> list[Note]: ...

    def skip_to(self, beat: float) -> None:
        """Go on from ``beat``, leaving out everything before it (after a stall)."""


MAX_BURST = 32  # messages sent in one go; then a short pause lets the port drain
BURST_PAUSE = 0.002  # seconds


FOLLOW_POLL = 0.05  # seconds between looks at a master's clock while it is stopped


class Scheduler:
    """Plays an :class:`~improv.band.ensemble.Ensemble`'s notes on ``output`` in time.

    ``observer(kind, note, due, sent)`` (optional) is told about every message: ``kind``
    is "on" or "off", ``due`` the clock time it was scheduled for, ``sent`` the clock
    time just after it was sent. It runs on the scheduler's thread: keep it short.
    """

    def __init__(self, source: NoteSource, output: Output, *, tempo: float,
                 lookahead: float = 0.5, clock: Callable[[], float] = time.monotonic,
                 wait: Callable[[float], bool] | None = None,
                 stop_event: threading.Event | None = None,
                 observer: Callable | None = None, start_delay: float = 0.05,
                 late: float = 0.020, sync=None, clock_out: bool = False,
                 programs=(), programs_after_silence: bool = False,
                 generating=contextlib.nullcontext()):
        """``sync``: a master's clock to follow (:class:`~improv.timing.sync.
        FollowedClock`) instead of ``tempo``; ``clock_out``: send MIDI clock, Start and
        Stop with the notes, so others can follow us. ``programs``: the program changes
        naming each part's instrument, and ``programs_after_silence``: when they go out
        again (see :mod:`improv.timing.instruments`). ``generating``: a reusable context
        each step runs in (:class:`improv.timing.priority.SendingPriority`)."""
        if not 0 < lookahead <= 1:
            raise ValueError("lookahead must be in (0, 1] beats")
        self._source = source
        self._output = output
        self._clock = clock
        self._stop = stop_event or threading.Event()
        self._wake = threading.Event()  # set by stop() and set_tempo(): re-plan at once
        self._wait = wait or self._event_wait
        self._observer = observer
        self._lookahead = lookahead
        self._steps = StepCost(late)  # what generating costs: kept clear before messages
        # a part's event at a time where the source can (a bar of drums and one of
        # comping are separate steps, each kept clear of due messages)
        self._advance = getattr(source, "advance_one", source.advance)
        self._generating = generating
        self._start_delay = start_delay
        self._lock = threading.Lock()  # guards the tempo map
        self._map = TempoMap(tempo)
        self._queue = MessageQueue()
        self._sounding = Sounding(output)
        self._late = late  # seconds a note_on may be late before it is dropped
        self._dropped: set[int] = set()  # ids of notes whose note_on was dropped
        self.dropped_total = 0  # note_ons left out for being late, since the start
        self._reported_drops = 0  # of those, the ones a Stall record accounts for
        self._planned: float | None = None  # when the loop meant to wake up
        self._sync = sync
        self._clock_out = clock_out
        self._next_tick = 0  # the next clock tick to send (--clock-out), in 1/24 beats
        self.stalls: deque[Stall] = deque(maxlen=100)  # read (popleft) by another thread
        self._revoice = getattr(source, "revoice", None)  # a note as it sounds now
        self._sent: dict[int, Note] = {}  # id of a queued note -> the note sent for it,
                                          # from its note_on until its note_off
        self._hush: frozenset[str] | None = None  # parts to quiet (the input thread asks)
        self._panic = False  # asked from the input thread, done on ours
        self._instruments = Instruments(output, programs, clock, programs_after_silence)
        self._metre = getattr(source, "beats_per_bar", 4)  # beats per bar: stalls, silences

    # --- tempo map -------------------------------------------------------------------

    @property
    def tempo(self) -> float:
        return self._map.tempo

    def set_tempo(self, bpm: float) -> None:
        """Change tempo from now on: the beat position now stays, later beats move."""
        with self._lock:
            self._map.change(bpm, self._clock())
        self._wake.set()

    def beat_at(self, t: float) -> float:
        """The beat at clock time ``t`` (any thread; 0 before the music starts)."""
        with self._lock:
            return self._map.beat_at(t) if self._map.started else 0.0

    def hush(self, parts=None) -> None:
        """Switch the notes of ``parts`` (part names) off now and drop what of them is
        queued: the musician came in while improv answered. By default the parts that
        give way to the musician (the source's ``trading``: the soloist, not the
        comping). Any thread."""
        if parts is None:
            parts = getattr(self._source, "trading", ())
        self._hush = frozenset(parts)
        self._wake.set()

    def resend_programs(self) -> None:
        """Send the program changes again, before the next note (a reader connected to
        the port); any thread."""
        self._instruments.ask()
        self._wake.set()

    def panic(self) -> None:
        """Every sounding note off now (a panic knob); any thread. Playing goes on."""
        self._panic = True
        self._wake.set()

    def _quiet(self) -> None:
        """Carry out hush() and panic() on the scheduler's thread."""
        if self._panic:
            self._panic, self._hush = False, None
            self._release(keep=lambda entry: entry[1] == TICK)  # a follower counts ticks
            self._sounding.all_notes_off()
            return
        parts, self._hush = self._hush, None
        for note in self._queue.drop_parts(parts):
            sent = self._sent.pop(id(note), None)
            if sent is not None:  # its note_on went out: off now
                self._sounding.off(sent.channel, sent.pitch)
            self._dropped.discard(id(note))

    # --- running ---------------------------------------------------------------------

    def stop(self) -> None:
        """Ask :meth:`run` to return; safe from any thread and from a signal handler
        (it only sets Events)."""
        self._stop.set()
        self._wake.set()

    def poke(self) -> None:
        """Re-plan now: a master's clock or transport moved (from the input thread)."""
        self._wake.set()

    def _event_wait(self, timeout: float) -> bool:
        """Block until ``timeout`` passes or stop()/set_tempo() wakes us; True if stopped."""
        self._wake.wait(timeout)
        self._wake.clear()
        return self._stop.is_set()

    def run(self, until_beat: float | None = None, start_beat: float = 0.0) -> None:
        """Play until :meth:`stop` (or until ``until_beat``), then silence every note.
        The clock's first beat is ``start_beat`` (the source's cursor should be there).

        Whatever ends the run (stop, the end, an exception from the source or the port),
        each sounding note gets its note_off and each used channel an All Notes Off.
        """
        try:
            self._loop(until_beat, start_beat)
        finally:
            self.silence()

    def _loop(self, until_beat: float | None, start_beat: float) -> None:
        with self._lock:
            self._map.anchor(start_beat, self._clock() + self._start_delay)
        debug = logger.isEnabledFor(logging.DEBUG)
        self._instruments.send()  # so a DAW's General MIDI instruments pick them up
        if self._clock_out:
            self._next_tick = math.ceil(start_beat * 24)
            if start_beat:  # resuming mid-song: tell the follower where, then go on
                self._output.send(mido.Message("songpos", pos=min(16383, round(start_beat * 4))))
                self._output.send(mido.Message("continue"))
            else:
                self._output.send(mido.Message("start"))
        while not self._stop.is_set():
            now = self._clock()
            if self._hush is not None or self._panic:
                self._quiet()
            self._instruments.send_if_asked()
            if self._sync is not None and not self._follow(now):
                self._planned = None
                if self._wait(FOLLOW_POLL):
                    return
                continue
            lateness = 0.0 if self._planned is None else now - self._planned
            dropped_before = self.dropped_total
            with self._lock:
                # Send everything due; a note_on too late to play in time is left out.
                burst = 0
                while self._queue and self._map.time_of(self._queue.first()) <= now:
                    if burst == MAX_BURST:
                        break
                    beat, kind, note = self._queue.pop()
                    burst += self._send(kind, note, self._map.time_of(beat), now, debug)
                beat_now = self._map.beat_at(now)
            behind = (beat_now - self._source.cursor) * 60.0 / self._map.tempo
            if lateness > self._late or behind > self._late:
                self._after_stall(max(lateness, behind), beat_now, until_beat, dropped_before)
            if burst == MAX_BURST:
                self._planned = None  # the pause is ours, not a stall
                if self._wait(BURST_PAUSE):
                    return
                continue
            with self._lock:
                # EPSILON: waking exactly at a generation time must generate, whatever
                # the rounding of the clock arithmetic (else the loop would spin on 0).
                horizon = self._map.beat_at(now) + self._lookahead + EPSILON
                if until_beat is not None:
                    horizon = min(horizon, until_beat)
                # a value may take a re-prime's milliseconds: never start one just before
                # a message is due, unless the music has nothing made for now
                due = self._map.time_of(self._queue.first()) if self._queue else None
            if (due is not None and 0 < due - now < self._steps.slack()
                    and self._source.cursor < horizon and self._source.cursor > beat_now):
                self._planned = due
                timeout = due - self._clock()
                if timeout > 0 and self._wait(timeout):
                    return
                continue
            # Generate just ahead of need (outside the lock: the model may take a while),
            # one value at a time, so what falls due meanwhile goes out in between.
            if self._clock_out:
                while self._next_tick <= horizon * 24:
                    self._queue.tick(self._next_tick / 24)
                    self._next_tick += 1
            if self._source.cursor < horizon:
                began = self._clock()
                with self._generating:
                    notes = self._advance(min(horizon, self._source.cursor + EPSILON))
                for note in notes:
                    if until_beat is not None and note.start >= until_beat:
                        continue
                    self._queue.note(note, until_beat)  # the last bar ends every note
                self._steps.spent(self._clock() - began)
                self._planned = None  # generating is work, not oversleeping
                continue  # new notes may be due already
            with self._lock:
                finished = until_beat is not None and self._source.cursor >= until_beat
                if finished and not self._queue:
                    return
                wake = float("inf") if finished else self._map.time_of(self._source.cursor - self._lookahead)
                if self._queue:
                    wake = min(wake, self._map.time_of(self._queue.first()))
            if self._sync is not None:  # look at the master's clock often enough to
                wake = min(wake, now + FOLLOW_POLL)  # notice it has gone silent
            self._planned = wake
            timeout = wake - self._clock()
            if timeout > 0 and self._wait(timeout):
                return

    def _after_stall(self, lateness: float, beat_now: float, until_beat, dropped_before) -> None:
        """Woken ``lateness`` seconds late: never play the backlog. The source skips to the
        next beat line (what it would have made is all late); one Stall in :attr:`stalls`."""
        cursor = self._source.cursor
        resumed = resume_at(cursor, beat_now, self._late * self._map.tempo / 60.0, until_beat)
        skipped = 0.0 if resumed is None else resumed - cursor
        if resumed is not None:
            self._source.skip_to(resumed)
        dropped = self.dropped_total - dropped_before
        self._reported_drops += dropped
        if dropped or resumed is not None:
            self.stalls.append(Stall(round(lateness, 3), dropped, round(skipped, 3), resumed,
                                     self._metre))

    def unreported_drops(self) -> int:
        """Late note_ons left out since the last call that no Stall record counted (a
        backlog larger than one burst, say); for the caller to report."""
        count = self.dropped_total - self._reported_drops
        self._reported_drops = self.dropped_total
        return count

    def _follow(self, now: float) -> bool:
        """Under a master's clock: apply its transport (Stop: every note off; Start or
        Continue: the source jumps to the song position), then take its grid as the
        tempo anchor. False while there is no grid to play on."""
        self._take_transport(now)
        grid = self._sync.grid(now)
        if grid is None:
            self._take_transport(now)  # a Stop the grid itself found (a silent clock)
            return False
        with self._lock:
            self._map.anchor(grid.tick / 24, grid.tick_time, grid.tempo)
        return True

    def _take_transport(self, now: float) -> None:
        for event in self._sync.take_events():
            self._release()
            if event[0] == "start":  # Start or Continue: a DAW that just connected rolls
                self._instruments.send()
                # a position between sixteenths (a Continue where the master stopped)
                # starts the solo on the next sixteenth
                self._source.jump_to(math.ceil(event[1] * 4 - EPSILON) / 4)
                with self._lock:
                    self._map.anchor(event[1], now)  # until a tick

    def _release(self, keep=lambda entry: False) -> None:
        """Every sounding note off now and nothing queued (a master's Stop or Start)
        but what ``keep`` keeps."""
        self._sounding.release()
        self._queue.keep(keep)
        self._dropped.clear()
        self._sent.clear()

    def _send(self, kind: int, note: Note, due: float, now: float, debug: bool) -> int:
        """Send one queued message; returns how many were sent (0 or 1)."""
        if kind == TICK:  # never left out, however late: a follower counts them
            self._output.send(mido.Message("clock"))
            return 1
        if kind == ON:
            if now - due > self._late:
                self._dropped.add(id(note))  # its note_off is not needed either
                self.dropped_total += 1
                return 0
            sent = note if self._revoice is None else self._revoice(note)
            self._sent[id(note)] = sent  # its note_off, and hush(), need what went out
            note = sent
            self._instruments.before_note(now, self._metre * 60.0 / self._map.tempo)
            message = self._sounding.on(note.channel, note.pitch, note.velocity)
        else:
            if id(note) in self._dropped:
                self._dropped.discard(id(note))
                return 0
            note = self._sent.pop(id(note), note)
            message = self._sounding.off(note.channel, note.pitch)
            if message is None:
                return 0  # already silenced
        if self._observer is not None:
            self._observer("on" if kind == ON else "off", note, due, self._clock())
        if debug:
            logger.debug("%s at beat %.3f", message, note.start if kind == ON else note.end)
        return 1

    def silence(self) -> None:
        """Switch off every sounding note, then All Notes Off on every channel used (see
        :meth:`~improv.timing.sounding.Sounding.silence`)."""
        self._queue.clear()
        self._dropped.clear()
        self._sent.clear()
        self._sounding.silence([mido.Message("stop")] if self._clock_out else ())
