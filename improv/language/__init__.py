"""The musical language: chords and their scales, grammar values, the vocabulary.

Pure functions and values (no I/O, no music21, no TensorFlow); every other layer builds
on this one, and it imports none of them.
"""
