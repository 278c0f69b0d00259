"""A live session: the scheduler on its own thread, the main thread minding the rest.

The main thread waits on the signal socket (:class:`~improv.commands.signals.Signals`)
a few times a second and in between refreshes the status line, applies saved settings
(see :mod:`improv.commands.live`) and, when a stop signal was noted, asks the scheduler
to stop; the scheduler then switches off every sounding note and the port is closed.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import sys
import threading
import time

from improv.commands import config as settings
from improv.errors import ImprovError, PortError, PortLost

logger = logging.getLogger(__name__)

STATUS_INTERVAL = 0.25  # seconds between status refreshes (the main thread's only work)
SHUTDOWN_TIMEOUT = 5.0  # seconds the main thread waits for the scheduler to silence all
SWITCH_INTERVAL = 0.0005  # seconds: how soon another thread may take the interpreter


def play_live(cfg: settings.Config, band, port, signals, *, bars: int | None = None,
              quiet: bool = False, reload=None, watch=None, start_beat: float = 0.0,
              sync=None, listener=None, midi_in=None, take=None) -> int:
    """Play until a signal (or ``bars`` bars) on ``port``; return 0 after a clean stop.
    Raises PortLost when the port goes away under it (see improv.midi.portwatch).

    With ``reload`` (a function returning fresh settings), saving the ``watch`` file or
    sending SIGHUP applies tempo, progression and feel while playing (see improv.commands.live).
    ``take``: a :class:`~improv.rendering.take.Take` that records what is played and
    heard, written every few seconds and once more at the end.
    """
    from improv.commands.live import ConfigWatcher
    from improv.commands.sound import program_changes
    from improv.commands.status import StatusLine
    from improv.timing.priority import SendingPriority
    from improv.timing.scheduler import Scheduler

    status = None if quiet else StatusLine(tempo=cfg.tempo, port=port.description)
    if status is not None:
        status.section_at = band.section_at
    output = port
    if take is not None:
        from improv.rendering.take import RecordingOutput

        output = RecordingOutput(port, take, time.monotonic)
    priority = SendingPriority()  # real-time while sending, not while generating
    scheduler = Scheduler(band, output, tempo=cfg.tempo, lookahead=cfg.scheduler.lookahead,
                          late=cfg.scheduler.late_ms / 1000.0,
                          observer=status.observe if status else None, sync=sync,
                          clock_out=cfg.sync.clock_out and sync is None,
                          programs=program_changes(cfg),
                          programs_after_silence=not getattr(port, "reports_readers", True),
                          generating=priority)
    if sync is not None:
        sync.wake = scheduler.poke
    if listener is not None and midi_in is not None:
        listener.beat_at = scheduler.beat_at
        listener.on_interrupt = scheduler.hush
        listener.on_panic = scheduler.panic
        midi_in.on_message = lambda: _hear(midi_in.messages, listener, take)
    failure: list[BaseException] = []
    recorded = _Recorded(take, scheduler, listener)

    def work():
        try:
            if cfg.scheduler.realtime:
                logger.info("scheduler thread priority: %s", priority.take())
            scheduler.run(until_beat=None if bars is None else
                          bars * band.beats_per_bar + float(getattr(band, "lead_in", 0)),
                          start_beat=start_beat)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            failure.append(err)
        finally:
            signals.wake()

    # Python hands the interpreter lock between threads every 5 ms by default: a MIDI
    # input callback or the scheduler could wait that long for it. 0.5 ms keeps ticks
    # and notes from queueing behind each other (at a small cost in throughput).
    sys.setswitchinterval(SWITCH_INTERVAL)
    watcher = ConfigWatcher(watch) if reload else None
    hangups = signals.hangups
    thread = threading.Thread(target=work, name="improv-scheduler", daemon=True)
    signals.playing = True
    lost = None
    # A full collection walks every object the process holds (the model, numpy, mido:
    # some 30,000, about 14 ms under the interpreter lock, on whichever thread triggers
    # it) and a note due meanwhile waits. What exists now lives for the whole session:
    # frozen (at once: no collection first, which in a big process takes long), the
    # collector leaves it alone and only looks at what playing makes.
    gc.freeze()
    try:
        thread.start()
        while thread.is_alive() and not signals.stopping:
            signals.wait(STATUS_INTERVAL)
            if signals.stopping:
                break
            lost = port.lost()
            if lost:  # said at once; the cleanup below may wait on the dead system
                lost = f"the MIDI port {port.description} is gone: {lost}"
                _say(status, f"improv: {lost}; " + _then(cfg))
                break
            if getattr(port, "new_readers", lambda: False)():  # a DAW connected
                scheduler.resend_programs()
            if watcher and (watcher.due() or signals.hangups != hangups):
                hangups = signals.hangups
                cfg = _apply_changes(cfg, reload, scheduler, band, status)
            _report_stalls(scheduler, status)
            follow_tempo(band, scheduler.tempo)
            recorded.tick()
            if status:
                if sync is not None:
                    status.tempo = round(scheduler.tempo, 1)
                    status.waiting = "" if sync.running else sync.waiting
                if listener is not None:
                    status.listening = _listening(listener, scheduler)
                status.refresh()
    finally:
        # Signals stay noted (never raised) until the process ends, so a second Ctrl-C
        # cannot interrupt this cleanup and leave a note on.
        scheduler.stop()
        thread.join(SHUTDOWN_TIMEOUT)
        if thread.is_alive():  # a port send that blocks: do not hang the process on it
            logger.error("the scheduler did not stop within %.0f s; leaving it", SHUTDOWN_TIMEOUT)
        _report_stalls(scheduler, status)
        recorded.close(status)
        if status:
            status.close()
        gc.unfreeze()  # collectable again (a reconnection freezes afresh)
    if failure and isinstance(failure[0], OSError) and not lost:
        gone = port.lost()
        if gone or cfg.midi.reconnect:  # the port failed under us: as if the watch said so
            lost = f"the MIDI port {port.description} failed: {gone or failure[0]}"
            _say(status, f"improv: {lost}; " + _then(cfg))
            failure.clear()
    if failure:
        err = failure[0]
        if isinstance(err, ImprovError):
            raise err
        if isinstance(err, OSError):
            raise PortError(f"MIDI output failed: {err}") from err
        raise err
    if lost:
        raise PortLost(lost, announced=True)
    return 0


def _hear(messages, listener, take) -> None:
    """Everything that arrived on the input, to the listener (and the take)."""
    if take is None:
        listener.drain(messages)
        return
    while messages:
        t, message = messages.popleft()
        take.heard(t, message)
        listener.feed(t, message)


class _Recorded:
    """The take's part of the main thread's round: the clock the band follows, the
    chords heard, and a flush every few seconds (a crash loses no more)."""

    def __init__(self, take, scheduler, listener):
        self._take, self._scheduler, self._listener = take, scheduler, listener
        self._flushed = time.monotonic()
        self._changes = 0

    def tick(self) -> None:
        take = self._take
        if take is None:
            return
        from improv.rendering.take import FLUSH_SECONDS

        now = time.monotonic()
        take.tempo(now, self._scheduler.beat_at(now), self._scheduler.tempo)
        listener = self._listener
        if listener is not None and listener.changes != self._changes and listener.chord:
            self._changes = listener.changes
            take.chord_heard(listener.chord_time, listener.chord.name)
        if now - self._flushed >= FLUSH_SECONDS:
            self._flushed = now
            take.flush(now)

    def close(self, status) -> None:
        """The last flush, once every note is off: the file is whole."""
        if self._take is None:
            return
        try:
            self._take.tempo(time.monotonic(), self._scheduler.beat_at(time.monotonic()),
                             self._scheduler.tempo)
            self._take.flush(time.monotonic())
        except OSError as err:
            _say(status, f"improv: the take could not be written ({err.strerror or err})")


def _apply_changes(cfg, reload, scheduler, band, status):
    """Read the settings again and apply what can change live; return what now plays."""
    from improv.band.chart import Progression
    from improv.commands.live import diff

    def say(text):
        _say(status, text)

    try:
        new = reload()
    except ImprovError as err:
        say(f"improv: settings not applied, still playing as before: {err}")
        return cfg
    change = diff(cfg, new)
    if change.tempo is not None:
        scheduler.set_tempo(change.tempo)
        if status:
            status.tempo = change.tempo
    if change.progression is not None and new.chart:
        say("improv: progression changed, but the chart file plays: not applied")
    elif change.progression is not None:
        band.set_progression(Progression.parse(change.progression, band.beats_per_bar))
    if change.feel is not None:
        band.set_feel(change.feel)
    if change.live:
        say(f"improv: now playing {change.describe()}")
    if change.restart:
        say(f"improv: {', '.join(change.restart)} changed: restart the daemon to apply")
    return new


def _listening(listener, scheduler) -> str:
    """The status line's word on the musician: chord heard, whose turn, knobs."""
    parts = []
    if listener.settings.follow_chords and listener.chord is not None:
        parts.append(f"hearing {listener.chord.name}")
    if listener.turns is not None:
        playing = listener.turns.turn_at(scheduler.beat_at(time.monotonic())).playing
        parts.append("answering" if playing else "listening")
    knobs = listener.knobs.describe()
    if knobs:
        parts.append(knobs)
    return " | ".join(parts)


def _then(cfg) -> str:
    """What the daemon does once its port is gone."""
    if cfg.midi.reconnect:
        return "waiting for it to come back (Ctrl-C stops)"
    return ("exiting (start improv again once it is back, or set [midi] reconnect = true to "
            "wait for it)")


def follow_tempo(band, tempo: float, tolerance: float = 0.02) -> None:
    """Tell the band's feel the tempo it plays at now (a master's clock, a reloaded
    tempo, a [feel] reloaded without one), so the learned timing and the model's tempo
    group are those of this tempo, not the first one's; a change within ``tolerance``
    (2%: a master's jitter) is left alone."""
    feel = band.stage.feel
    if feel.tempo is None or abs(tempo - feel.tempo) > tolerance * feel.tempo:
        band.set_feel(dataclasses.replace(feel, tempo=round(float(tempo), 1)))


def _report_stalls(scheduler, status) -> None:
    """Each stall in one line; late notes no stall accounted for, in one more."""
    while scheduler.stalls:
        _say(status, scheduler.stalls.popleft().describe())
    more = scheduler.unreported_drops()
    if more:
        _say(status, f"improv: {more} late note{'s' * (more != 1)} left out (the machine "
                     f"could not keep up)")


def _say(status, text: str) -> None:
    """A line on stderr of its own; with a status line, above it."""
    if status:
        status.message(text)
    else:
        print(text, file=sys.stderr)
