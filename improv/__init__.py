"""improv: a real-time jazz improviser that streams an LSTM's solo to a MIDI port."""

__version__ = "0.1.0"
