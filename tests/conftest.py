"""Shared test fixtures."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "original_metheny.mid"


@pytest.fixture
def corpus_path():
    """The real Metheny corpus beside the repository (third-party data, never copied in)."""
    if not CORPUS.is_file():
        pytest.skip(f"the corpus {CORPUS} is absent (it lives in ../shared beside the repo)")
    return CORPUS


def _jack():
    from jack_server import jack_server, jackd_missing_reason

    reason = jackd_missing_reason()
    if reason:
        pytest.skip(reason)
    with jack_server() as server:
        yield server


@pytest.fixture
def jack():
    """A private JACK server (dummy driver) for one test; skipped without jackd."""
    yield from _jack()


@pytest.fixture(scope="module")
def jack_module():
    """The same, shared by the tests of a module."""
    yield from _jack()
