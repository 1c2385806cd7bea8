"""A model judged on a cache whose statistics were fitted on another training split (the cache converted again with
another split seed, as an archive grown over more patients is): read with the model's own statistics, its samples are
those of the same recipe converted with `--fit-from` the model's training cache, as `medpipe evaluate` reads them."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from medpipe_cache import CacheError, open_cache, read_checkpoint

from conftest import DATA, RECIPES, need_data

SEED = "seed: 42 }"


def test_a_model_reads_a_reconverted_cache_with_its_own_statistics(medpipe, converted, tmp_path):
    need_data()
    trained = converted("heart")
    model = tmp_path / "heart.safetensors"
    medpipe("train", "--cache", trained, "--model", "heart-mlp", "--epochs", "1", "--out", model)
    checkpoint = read_checkpoint(model)
    recipe = (RECIPES / "heart.yaml").read_text().replace("../../../shared/data", str(DATA))
    assert SEED in recipe
    (tmp_path / "reseeded.yaml").write_text(recipe.replace(SEED, "seed: 5 }"))
    medpipe("convert", tmp_path / "reseeded.yaml", "--cache", tmp_path / "reseeded")
    medpipe("convert", tmp_path / "reseeded.yaml", "--cache", tmp_path / "refit", "--fit-from", trained)

    reseeded, refit = open_cache(tmp_path / "reseeded"), open_cache(tmp_path / "refit")
    assert reseeded.fitted != refit.fitted == open_cache(trained).fitted
    view = reseeded.with_statistics_of(checkpoint)
    assert view.fitted == refit.fitted and reseeded.fitted != view.fitted, "the cache itself is left as it is"
    mine, theirs, own = view.split("test"), refit.split("test"), reseeded.split("test")
    assert mine.entry_ids.tolist() == theirs.entry_ids.tolist() and len(mine) > 50
    assert all(np.array_equal(mine.input(i), theirs.input(i)) for i in range(len(mine)))
    assert not all(np.array_equal(own.input(i), theirs.input(i)) for i in range(len(own)))

    # The torch Dataset takes the model (or its path) the same way.
    torch_data = pytest.importorskip("medpipe_cache.torch")
    dataset = torch_data.MedPipeDataset(tmp_path / "reseeded", split="test", statistics_of=model)
    assert np.array_equal(dataset[3][0].numpy(), theirs.input(int(dataset.positions[3])))

    # Other stages are refused, as evaluate refuses them.
    (tmp_path / "raw.yaml").write_text(recipe.replace("stages:\n  - standardize: {}\n", "stages: []\n"))
    medpipe("convert", tmp_path / "raw.yaml", "--cache", tmp_path / "raw")
    with pytest.raises(CacheError, match="was trained on inputs prepared by other stages than those of the cache"):
        open_cache(tmp_path / "raw").with_statistics_of(checkpoint)


def test_where_a_beats_stage_takes_its_peaks_is_not_another_stage(converted):
    """A model trained at annotated R peaks judges new patients' detected ones (`medpipe` compares the stages with the
    source of the peaks set aside); a window of other length is another stage."""
    need_data()
    cache = open_cache(converted("mitbih-100"))
    stages = json.loads(cache.meta["pipeline"])
    beats = [stage["beats"]["_0"] for stage in stages["stages"] if "beats" in stage]
    assert len(beats) == 1 and beats[0]["peaks"] == "annotations"

    def model(edit):
        edited = json.loads(cache.meta["pipeline"])
        edit(next(stage["beats"]["_0"] for stage in edited["stages"] if "beats" in stage))
        return SimpleNamespace(path="model.safetensors", metadata={"pipeline": json.dumps(edited), "fitted": cache.meta["fitted"]})

    assert cache.with_statistics_of(model(lambda beats: beats.update(peaks="detect"))).fitted == cache.fitted
    with pytest.raises(CacheError, match="other stages"):
        cache.with_statistics_of(model(lambda beats: beats.update(before=beats["before"] + 1)))
