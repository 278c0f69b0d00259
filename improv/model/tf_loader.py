"""The one door to TensorFlow: training and the keras engine come through here.

TensorFlow is an optional extra (``pip install 'improv[train]'``): the daemon's numpy
engine never needs it, so a plain install leaves it out. Asking for what needs it
without it installed is one line that says how to get it.
"""

from __future__ import annotations

import importlib.util
import os

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
    try:
        import keras
        import tensorflow as tf
    except ImportError as err:
        raise MissingDependencyError(f"{purpose} needs TensorFlow, which is not installed: "
                                     f"{INSTALL_HINT}") from err
    return keras, tf
