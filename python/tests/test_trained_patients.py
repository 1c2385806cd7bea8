"""The patients a model trained on, as `medpipe train` keeps them and `medpipe evaluate` counts them, read from Python
with hashlib: the digests are the first 8 bytes of each pseudonym's SHA-256, computed here independently of MedPipe."""
from __future__ import annotations

import pytest

from medpipe_cache import CacheError, open_cache, read_checkpoint

from conftest import DATA, RECIPES, need_data

SPLIT = "split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 42 }"


def test_a_model_keeps_its_training_patients_and_a_split_counts_them(medpipe, converted, tmp_path):
    need_data()
    cache = open_cache(converted("heart"))
    model = tmp_path / "heart.safetensors"
    medpipe("train", "--cache", cache.directory, "--model", "heart-mlp", "--epochs", "1", "--out", model)
    checkpoint = read_checkpoint(model)
    key, digests = checkpoint.training_groups
    train = set(cache.split("train").groups)
    assert key == cache.meta["pseudonym_key"] and len(digests) == len(train) > 100
    assert cache.split("train").trained_patients(checkpoint) == (len(train), len(train))
    assert cache.split("test").trained_patients(checkpoint) == (0, len(set(cache.split("test").groups)))

    # The same table converted as new patients: every training row is among them, and evaluate says as much.
    recipe = (RECIPES / "heart.yaml").read_text().replace("../../../shared/data", str(DATA))
    assert SPLIT in recipe
    (tmp_path / "again.yaml").write_text(recipe.replace(SPLIT, "split: { all: test }"))
    medpipe("convert", tmp_path / "again.yaml", "--cache", tmp_path / "again", "--fit-from", cache.directory)
    again = open_cache(tmp_path / "again").split("test")
    assert again.trained_patients(checkpoint) == (len(train), len(set(again.groups)))
    judged = medpipe.run("evaluate", "--model", model, "--cache", tmp_path / "again")
    assert judged.returncode == 0 and f"{len(train)} of the {len(set(again.groups))} patients (groups) of the test split" in judged.stderr

    # Pseudonyms under another project key are not compared.
    other = open_cache(tmp_path / "again")
    other.meta["pseudonym_key"] = "0" * 64
    with pytest.raises(CacheError, match="another project key"):
        other.split("test").trained_patients(checkpoint)
