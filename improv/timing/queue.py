"""The messages waiting to be sent, in the order they are due (a heap, no clock).

Each entry is ``(beat, kind, order, note)``: at one beat a clock tick goes first (a
follower counts them), then note_offs, then note_ons, so a repeated pitch is struck
again rather than cut off by its predecessor's end; ``order`` keeps the rest stable.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Callable

TICK, OFF, ON = -1, 0, 1


class MessageQueue:
    def __init__(self):
        self._heap: list = []
        self._order = itertools.count()

    def __bool__(self) -> bool:
        return bool(self._heap)

    def __iter__(self):
        return iter(self._heap)

    def first(self) -> float:
        """The beat of the message due first (the queue must not be empty)."""
        return self._heap[0][0]

    def note(self, note, until: float | None = None) -> None:
        """A note's note_on at its start and note_off at its end, or at ``until`` (the
        end of the performance) if that comes first."""
        end = note.end if until is None else min(note.end, until)
        heapq.heappush(self._heap, (note.start, ON, next(self._order), note))
        heapq.heappush(self._heap, (end, OFF, next(self._order), note))

    def tick(self, beat: float) -> None:
        heapq.heappush(self._heap, (beat, TICK, next(self._order), None))

    def pop(self) -> tuple:
        """``(beat, kind, note)`` of the message due first, taken off the queue."""
        beat, kind, _, note = heapq.heappop(self._heap)
        return beat, kind, note

    def keep(self, wanted: Callable[[tuple], bool]) -> None:
        """Only the entries ``wanted`` stay (hush, panic)."""
        self._heap = [entry for entry in self._heap if wanted(entry)]
        heapq.heapify(self._heap)

    def drop_parts(self, parts) -> list:
        """Drop every message of the notes of ``parts`` (names); the notes whose
        note_off was still queued, each once (some may be sounding: the caller knows)."""
        dropped = [entry[3] for entry in self._heap
                   if entry[1] == OFF and entry[3] is not None and entry[3].part in parts]
        self.keep(lambda entry: entry[3] is None or entry[3].part not in parts)
        return dropped

    def clear(self) -> None:
        self._heap.clear()
