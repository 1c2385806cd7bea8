"""The rebalanced training order: the dataset follows the cache's plan, and EpochSampler visits it in the
order `medpipe train --seed S` does in each epoch (`medpipe cache order` prints the trainer's)."""
import numpy as np
import pytest

from conftest import QUICK_RECIPES
from medpipe_cache import open_cache
from medpipe_cache.torch import EpochSampler, MedPipeDataset


def trainer_order(medpipe, directory, seed, epoch, balance="recipe"):
    text = medpipe("cache", "order", directory, "--seed", seed, "--epoch", epoch, "--balance", balance)
    return [int(line) for line in text.split()]


@pytest.mark.parametrize("recipe", sorted(QUICK_RECIPES))
def test_epoch_order_equals_the_trainers(recipe, converted, medpipe):
    directory = converted(recipe)
    for balance in ("recipe", "none"):
        dataset = MedPipeDataset(directory, "train", balance=balance)
        for seed, epoch in [(0, 0), (0, 1), (3, 7), (2**64 - 1, 2)]:
            sampler = EpochSampler(dataset, seed=seed, epoch=epoch)
            python = dataset.entry_ids[list(sampler)].tolist()
            assert python == trainer_order(medpipe, directory, seed, epoch, balance), (balance, seed, epoch)


def test_the_recipe_balance_follows_the_stored_plan(converted):
    """MIT-BIH beats are mostly N: oversampling repeats the A beats, so the plan is longer than the split."""
    directory = converted("mitbih-100")
    cache = open_cache(directory)
    dataset = MedPipeDataset(directory, "train", balance="recipe")
    assert cache.balance == "oversample"
    assert dataset.entry_ids.tolist() == cache.plan("train").tolist()
    assert len(dataset) > len(cache.split("train"))
    counts = np.bincount(dataset.targets, minlength=len(dataset.classes))
    assert counts.min() == counts.max(), "oversampled to equal class counts"
    assert len(MedPipeDataset(directory, "train", balance="none")) == len(cache.split("train"))


def test_each_pass_of_the_sampler_is_the_next_epoch(converted):
    dataset = MedPipeDataset(converted("demo"), "train")
    sampler = EpochSampler(dataset, seed=5)
    first, second = list(sampler), list(sampler)
    assert first != second and sorted(first) == sorted(second) == list(range(len(dataset)))
    sampler.set_epoch(0)
    assert list(sampler) == first
