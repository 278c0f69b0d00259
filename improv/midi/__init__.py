"""MIDI itself: the protocol's status bytes, the ports in and out (rtmidi: ALSA, JACK,
CoreMIDI, Windows MM) and their health, and the built-in synth that stands in for a port."""
