"""The commands a user runs (``play``, ``sample``, ``tokens``, ``train``), their
settings file and what they print. The only layer that reads ``config``."""
