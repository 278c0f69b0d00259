"""Real-time scheduling for the thread that sends the notes, where the system allows it."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def try_realtime_priority(priority: int = 10) -> str:
    """Ask for SCHED_FIFO for the calling thread, so a busy machine does not delay it.

    A MIDI clock thread is what real-time scheduling is for; it blocks between messages,
    so it never hogs a core. Needs privileges (root, CAP_SYS_NICE or an rtprio limit);
    without them, or off Linux, the thread keeps normal scheduling. Returns what it got.
    """
    import os

    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        return f"SCHED_FIFO {priority}"
    except (AttributeError, OSError) as err:
        logger.debug("no real-time priority for the scheduler thread: %s", err)
        return "normal"
