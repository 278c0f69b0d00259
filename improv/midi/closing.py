"""Closing a MIDI system's client without letting it hold up the exit.

Closing a JACK client is a request the server answers once its graph has moved on; now
and then (6 of 200 signal storms here) the server waits out its own timeout, ten client
timeouts (5 s by default), before it answers. By then every note_off has been delivered
(the port drains first), so nothing audible is left to wait for: the close goes on in a
daemon thread, and the caller waits for it only CLOSE_WAIT. A process that exits
meanwhile leaves the server to drop the client, as it does for any client that goes away;
a program that exits with a close pending ends at once (:func:`pending`), since the
system library's own teardown at exit could wait on that close.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

logger = logging.getLogger(__name__)

CLOSE_WAIT = 0.1  # seconds a close may keep the caller (a client closes in 15-30 ms)
THREAD_PREFIX = "improv-close-"


def pending() -> bool:
    """Whether a close left to finish in the background is still running."""
    return any(t.name.startswith(THREAD_PREFIX) and t.is_alive() for t in threading.enumerate())


def close_within(close: Callable[[], None], what: str, seconds: float = CLOSE_WAIT) -> bool:
    """Run ``close``; True if it finished within ``seconds``. An exception it raises is
    logged, never lost in the thread; one that comes in time is raised here."""
    failure: list[BaseException] = []

    def run():
        try:
            close()
        except BaseException as err:  # noqa: BLE001 - handed to the caller, or logged
            failure.append(err)
            logger.debug("closing %s: %s", what, err)

    thread = threading.Thread(target=run, name=f"{THREAD_PREFIX}{what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        logger.info("closing %s takes longer than %.2f s: left to finish in the background",
                    what, seconds)
        return False
    if failure:
        raise failure[0]
    return True
