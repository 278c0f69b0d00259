"""The MIDI 1.0 status bytes and controller numbers improv reads and writes."""

# channel voice messages (the high nibble; the low one is the channel, 0-15)
NOTE_OFF, NOTE_ON, CONTROL_CHANGE = 0x80, 0x90, 0xB0
# system real-time and common messages: a master's clock and transport
CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
TRANSPORT = (CLOCK, START, CONTINUE, STOP, SONG_POSITION)
# controllers
SUSTAIN, ALL_SOUND_OFF, ALL_NOTES_OFF = 64, 120, 123
