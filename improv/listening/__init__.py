"""Listening to the musician on the MIDI input: the chords held, the phrases to trade
or answer, and the knobs turned."""
