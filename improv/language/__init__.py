"""The musical language: chords and their scales, grammar values, the vocabulary.

Pure functions and values (no music21, no TensorFlow; the only I/O is the vocabulary's
own JSON file); every other layer builds on this one, and it imports none of them.
"""
