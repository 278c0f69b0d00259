"""Error classes: each also inherits the builtin it refines, so callers may catch either.

Every message is one line that names the problem and, where there is one, the fix;
the CLI prints it as ``improv: error: <message>`` and exits 2.
"""


class ImprovError(Exception):
    """Base class of every error improv raises on purpose. ``announced``: its line was
    already printed when it happened (the command line then only sets the exit status)."""

    def __init__(self, *args, announced: bool = False):
        super().__init__(*args)
        self.announced = announced


class UsageError(ImprovError, ValueError):
    """A bad argument, option or setting given by the user."""


class ChordError(UsageError):
    """A chord symbol that cannot be parsed."""


class ChartError(UsageError):
    """A chart (lead sheet) file that cannot be read or makes no sense: names file, line, bar."""


class ConfigError(UsageError):
    """A config file that cannot be read, parsed or validated."""


class CorpusError(ImprovError, ValueError):
    """A MIDI corpus that is missing, unreadable or has nothing usable in it."""


class ModelError(ImprovError, ValueError):
    """A model directory that is missing, incomplete, corrupted or mismatched."""


class PortError(ImprovError, OSError):
    """A MIDI port that cannot be opened, created or written to."""


class PortLost(PortError):
    """A port that was playing is gone: its JACK server stopped, or it was removed."""


class MissingDependencyError(ImprovError, ImportError):
    """An optional package (TensorFlow) that the chosen feature needs is not installed."""
