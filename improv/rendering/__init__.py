"""Files of a performance: the band's notes written as a standard MIDI file, streamed."""
