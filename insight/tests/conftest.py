import csv
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "data" / "teddy2020_messages.csv"


@pytest.fixture
def corpus_rows():
    with open(CORPUS, encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def model_dir(settings, tmp_path):
    settings.INSIGHT_MODEL_DIR = tmp_path / "models"
    return settings.INSIGHT_MODEL_DIR
