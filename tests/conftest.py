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
