"""Time: the tempo, the scheduler that sends each note on time, the notes sounding, stalls,
and following a master's MIDI clock and transport."""
