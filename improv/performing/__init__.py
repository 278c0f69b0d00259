"""From a model to MIDI in time: sampling values, realising them as notes over the
chords, scheduling the messages, and the ports that carry them (or a file)."""
