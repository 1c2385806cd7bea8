"""MedPipeDataset in a DataLoader with worker processes (fork and spawn): each worker maps the shards
itself, and the batches are the samples a single process reads, in the sampler's order."""
import pytest
import torch
from torch.utils.data import DataLoader

from medpipe_cache.torch import EpochSampler, MedPipeDataset


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_two_workers_give_the_samples_of_one_process(context, converted):
    dataset = MedPipeDataset(converted("demo"), "train")
    dataset[0]  # the parent maps a shard first: a forked worker must not use that mapping
    loader = DataLoader(dataset, batch_size=16, sampler=EpochSampler(dataset, seed=3), num_workers=2,
                        multiprocessing_context=context)
    xs, ys = zip(*loader)
    order = list(EpochSampler(dataset, seed=3))
    assert torch.equal(torch.cat(xs), torch.stack([dataset[i][0] for i in order]))
    assert torch.cat(ys).tolist() == [dataset[i][1] for i in order]
    assert torch.cat(xs).shape == (len(dataset), *dataset.sample_shape)
