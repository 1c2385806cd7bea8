"""A model trained by `medpipe train` and loaded with `load_model` gives the logits `medpipe predict` gives
(within 1e-5), and on the dataset's inputs the predictions `medpipe evaluate` counts."""
import json

import numpy as np
import pytest
import torch

from medpipe_cache import read_checkpoint
from medpipe_cache.torch import MedPipeDataset, load_model

CASES = {"heart": "heart-mlp", "demo": "medmnist-cnn", "mitbih-100": "ecg-cnn", "mnist": "mnist-mlp"}


@pytest.fixture(scope="module")
def trained(converted, medpipe, tmp_path_factory):
    """`trained(recipe)`: (cache, checkpoint) of one small epoch of `medpipe train`."""
    models = {}

    def train(recipe):
        if recipe not in models:
            directory = converted(recipe)
            path = tmp_path_factory.mktemp("models") / f"{recipe}.safetensors"
            medpipe("train", "--cache", directory, "--model", CASES[recipe], "--epochs", 1, "--batch", 32, "--seed", 1, "--out", path)
            models[recipe] = (directory, path)
        return models[recipe]

    return train


@pytest.mark.parametrize("recipe", sorted(CASES))
def test_logits_equal_medpipe_predict(recipe, trained, medpipe, tmp_path):
    directory, path = trained(recipe)
    dataset = MedPipeDataset(directory, "test")
    x = torch.stack([dataset[i][0] for i in range(len(dataset))])
    np.save(tmp_path / "x.npy", x.numpy())
    medpipe("predict", "--model", path, "--npy", tmp_path / "x.npy", "--out", tmp_path / "logits.npy")
    expected = torch.from_numpy(np.load(tmp_path / "logits.npy"))
    model = load_model(path)
    assert not model.training
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == expected.shape == (len(dataset), len(dataset.classes))
    # 1e-5, or a few float32 ulps of larger logits (sums over thousands of products in another order).
    assert torch.allclose(logits, expected, rtol=1e-6, atol=1e-5), f"max difference {float((logits - expected).abs().max())}"


@pytest.mark.parametrize("recipe", sorted(CASES))
def test_predictions_on_the_dataset_equal_medpipe_evaluate(recipe, trained, medpipe):
    """The confusion matrix over the dataset's inputs equals the one `medpipe evaluate` computes from its own
    reading of the cache: the same fitted stages, the same channels-first layout, the same class numbers."""
    directory, path = trained(recipe)
    report = json.loads(medpipe("evaluate", "--model", path, "--cache", directory, "--split", "test", "--json"))
    dataset = MedPipeDataset(directory, "test")
    checkpoint = read_checkpoint(path)
    assert checkpoint.class_names == dataset.classes
    assert list(dataset.sample_shape) == checkpoint.input_shape
    model = load_model(path)
    with torch.no_grad():
        predicted = model(torch.stack([dataset[i][0] for i in range(len(dataset))])).argmax(1).numpy()
    matrix = np.zeros((len(dataset.classes),) * 2, dtype=np.int64)
    np.add.at(matrix, (dataset.targets, predicted), 1)
    assert report["samples"] == len(dataset)
    assert matrix.tolist() == report["confusionMatrix"]


def test_an_ensemble_gives_its_members_mean_probabilities(converted, medpipe, tmp_path):
    """`medpipe train --ensemble 2` loads as an `Ensemble` of the two networks that seeds 1 and 2 train alone,
    whose output is `medpipe predict`'s and the log of their mean probabilities."""
    directory = converted("heart")
    paths = {}
    for name, flags in {"ensemble": ("--seed", 1, "--ensemble", 2), "seed1": ("--seed", 1), "seed2": ("--seed", 2)}.items():
        paths[name] = tmp_path / f"{name}.safetensors"
        medpipe("train", "--cache", directory, "--model", "heart-mlp", "--epochs", 1, "--batch", 32, *flags, "--out", paths[name])
    dataset = MedPipeDataset(directory, "test")
    x = torch.stack([dataset[i][0] for i in range(len(dataset))])
    np.save(tmp_path / "x.npy", x.numpy())
    medpipe("predict", "--model", paths["ensemble"], "--npy", tmp_path / "x.npy", "--out", tmp_path / "logits.npy")
    ensemble, one, two = (load_model(paths[name]) for name in ("ensemble", "seed1", "seed2"))
    assert type(ensemble).__name__ == "Ensemble" and len(ensemble.members) == 2 and not ensemble.training
    with torch.no_grad():
        output = ensemble(x)
        mean = (torch.softmax(one(x), 1) + torch.softmax(two(x), 1)) / 2
    assert torch.allclose(output, torch.from_numpy(np.load(tmp_path / "logits.npy")), rtol=1e-6, atol=1e-5)
    assert torch.allclose(torch.softmax(output, 1), mean, atol=1e-6)


def test_prepared_batches_with_nan_or_another_shape_are_refused(trained, medpipe, tmp_path):
    """`predict --npy` and `gradcam --npy` check a prepared batch before running the model: a sample holding a NaN
    or an infinity is named (its outputs would mean nothing), and another dtype or shape is refused, in one line."""
    directory, path = trained("mnist")
    x = np.zeros((4, 1, 28, 28), np.float32)
    x[2, 0, 5, 5] = np.nan
    x[3, 0, 0, 0] = np.inf
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "wide.npy", np.zeros((4, 1, 28, 29), np.float32))
    for command in (["predict", "--out", tmp_path / "logits.npy"], ["gradcam", "--out", tmp_path / "cam"]):
        done = medpipe.run(command[0], "--model", path, "--npy", tmp_path / "x.npy", *command[1:])
        assert done.returncode == 1 and done.stderr == (
            f"medpipe: error: {tmp_path / 'x.npy'}: 2 of 4 samples hold NaN or infinite values (the first: index 2 of "
            "the array); a model's outputs for them mean nothing: one NaN voxel through `zscore` makes its whole volume "
            "NaN: put a `replace-nonfinite` stage first in the recipe, or leave such sources out\n"), done.stderr
        done = medpipe.run(command[0], "--model", path, "--npy", tmp_path / "wide.npy", *command[1:])
        assert done.returncode == 1 and "must be float32 shaped (N, 1, 28, 28)" in done.stderr, done.stderr
    assert not (tmp_path / "logits.npy").exists() and not (tmp_path / "cam").exists()
    # `gradcam --limit 2` checks and explains the first two samples only, which are finite: a later NaN does not stop it.
    directory, cnn = trained("demo")
    shape = tuple(MedPipeDataset(directory, "test")[0][0].shape)
    x = np.zeros((4,) + shape, np.float32)
    x[2].flat[0] = np.nan
    np.save(tmp_path / "x.npy", x)
    medpipe("gradcam", "--model", cnn, "--npy", tmp_path / "x.npy", "--limit", "2", "--out", tmp_path / "cam2")
    assert np.load(tmp_path / "cam2" / "maps.npy").shape == (2,) + shape[1:]
    done = medpipe.run("gradcam", "--model", cnn, "--npy", tmp_path / "x.npy", "--limit", "3", "--out", tmp_path / "cam3")
    assert done.returncode == 1 and "1 of 3 samples holds NaN or infinite values (the first: index 2 of the array)" in done.stderr, done.stderr
