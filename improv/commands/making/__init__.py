"""The commands that make what ``data/`` ships: ``train`` (a model), ``feel`` (the
players' time feel) and ``calibrate`` (a model's calibration)."""
