"""The one door to TensorFlow: training and the keras engine come through here.

TensorFlow is an optional extra (``pip install 'improv[train]'``): the daemon's numpy
engine never needs it, so a plain install leaves it out. Asking for what needs it
without it installed is one line that says how to get it.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from improv.errors import MissingDependencyError

INSTALL_HINT = ("install the training extra: pip install 'improv[train]' "
                "(from a checkout: .venv/bin/pip install -e '.[train]')")


def require_tensorflow(purpose: str) -> None:
    """Fail at once, before any slow work, when TensorFlow is not installed (a check of
    the installed packages: TensorFlow itself is not imported)."""
    if importlib.util.find_spec("tensorflow") is None:
        raise MissingDependencyError(f"{purpose} needs TensorFlow, which is not installed: "
                                     f"{INSTALL_HINT}")


def import_tensorflow(purpose: str):
    """``(keras, tf)``, imported with TensorFlow's C++ start-up log quieted; without
    TensorFlow, a MissingDependencyError naming ``purpose`` and the fix."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before the first TF import
    native_stderr_to_null()
    try:
        import keras
        import tensorflow as tf
    except ImportError as err:
        raise MissingDependencyError(f"{purpose} needs TensorFlow, which is not installed: "
                                     f"{INSTALL_HINT}") from err
    return keras, tf


def native_stderr_to_null() -> None:
    """Keep TensorFlow's C++ start-up lines off the terminal, and nothing else.

    TensorFlow and absl write some lines straight to file descriptor 2 whatever
    TF_CPP_MIN_LOG_LEVEL says ("All log messages before absl::InitializeLog()", oneDNN,
    the CUDA probe on a machine without a GPU). From the first import on, descriptor 2
    goes to /dev/null and Python's ``sys.stderr`` to a copy of the real one, so improv's
    lines, warnings and tracebacks still show. Done once, and only while ``sys.stderr``
    is the process's own (a test's capture is left alone).
    """
    if sys.stderr is not sys.__stderr__ or sys.stderr is None:
        return
    try:
        if os.path.samestat(os.fstat(2), os.stat(os.devnull)):
            return  # done already
        encoding, errors = sys.stderr.encoding, sys.stderr.errors
        sys.stderr.flush()
        kept = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        return  # no descriptor 2 to speak of: nothing to quiet
    sys.stderr = sys.__stderr__ = os.fdopen(kept, "w", buffering=1, encoding=encoding,
                                            errors=errors)
