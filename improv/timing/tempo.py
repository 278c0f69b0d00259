"""Tempo: the range a performance may be played at, whoever sets it (the config, a
flag, a live change or a master's clock)."""

MIN_TEMPO, MAX_TEMPO = 20.0, 400.0  # quarter-note beats per minute


class TempoMap:
    """Clock time and beat from one anchor: the beat and clock time of the last tempo
    change (or of a master's latest tick) and the tempo since.

    Every time is computed from the anchor, never by adding up intervals, so a stream
    that runs for hours does not drift. Not locked itself: its owner (the scheduler)
    holds one lock around each change and each burst of reads, so every message of a
    burst is timed against the same anchor.
    """

    def __init__(self, tempo: float):
        self.tempo = float(tempo)
        self.beat = 0.0
        self.time: float | None = None  # None until the music starts

    @property
    def started(self) -> bool:
        return self.time is not None

    def anchor(self, beat: float, time: float, tempo: float | None = None) -> None:
        """Beat ``beat`` falls at clock time ``time`` (at ``tempo``, else the tempo as it is)."""
        self.beat, self.time = float(beat), time
        if tempo is not None:
            self.tempo = float(tempo)

    def change(self, tempo: float, now: float) -> None:
        """A new tempo from ``now`` on: the beat position now stays, later beats move."""
        if self.started:
            self.anchor(self.beat_at(now), now)
        self.tempo = float(tempo)

    def beat_at(self, t: float) -> float:
        return self.beat + (t - self.time) * self.tempo / 60.0

    def time_of(self, beat: float) -> float:
        return self.time + (beat - self.beat) * 60.0 / self.tempo
