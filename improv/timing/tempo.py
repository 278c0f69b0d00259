"""Tempo: the range a performance may be played at, whoever sets it (the config, a
flag, a live change or a master's clock)."""

MIN_TEMPO, MAX_TEMPO = 20.0, 400.0  # quarter-note beats per minute
