"""PyTorch access to MedPipe: a `Dataset` over a cache split, the trainer's epoch order as a `Sampler`,
and the models of `medpipe train` as `nn.Sequential` modules."""
from __future__ import annotations

import math
import os

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, Sampler

from .cache import open_cache
from .checkpoint import read_checkpoint
from .errors import CacheError
from .order import epoch_order

__all__ = ["MedPipeDataset", "EpochSampler", "build_model", "load_model"]


class MedPipeDataset(Dataset):
    """One split of a MedPipe cache as `(input, class index)` pairs.

    `input` is a float32 tensor in channels-first layout with the cache's fitted stages applied — what
    `medpipe train` feeds its network. With `balance="recipe"` the training split follows the cache's
    rebalancing plan (its length counts repeats for oversampling and omits undersampled entries); with
    `"none"`, and for the other splits, every entry comes once in cache order. Shuffle with
    `EpochSampler` to visit it in the trainer's order, or with `DataLoader(shuffle=True)`.

    Samples are read from memory-mapped shard files that each process maps for itself, so the dataset
    works with `DataLoader(num_workers > 0)` under fork and spawn alike.

    `statistics_of` (a checkpoint of `medpipe train`, or its path) prepares the samples with that model's own fitted
    statistics, as `medpipe evaluate` judges it (`Cache.with_statistics_of`): for a model trained before the cache was
    converted again.
    """

    def __init__(self, directory, split: str = "train", balance: str = "recipe", transform=None, target_transform=None,
                 statistics_of=None):
        self.cache = open_cache(directory)
        if statistics_of is not None:
            checkpoint = statistics_of if hasattr(statistics_of, "metadata") else read_checkpoint(statistics_of)
            self.cache = self.cache.with_statistics_of(checkpoint)
        self.split = self.cache.split(split)
        self.balance = balance
        #: Positions into `self.split` in dataset order.
        self.positions = self.split.positions(balance)
        self.transform, self.target_transform = transform, target_transform
        self._targets = self.split.targets

    @property
    def classes(self) -> list[str]:
        """Class names; a target is an index into this list."""
        return self.cache.classes

    @property
    def entry_ids(self) -> np.ndarray:
        """The manifest entry id of each dataset index."""
        return self.split.entry_ids[self.positions]

    @property
    def targets(self) -> np.ndarray:
        """The class index of each dataset index (−1 for an entry without a label)."""
        return self._targets[self.positions]

    @property
    def sample_shape(self) -> tuple:
        """Shape of one input (channels first), from the first entry."""
        return tuple(self.split.input(0).shape)

    def class_weights(self) -> torch.Tensor | None:
        """The loss weights `medpipe train` uses with `balance="recipe"` when the recipe balances with class
        weights (for `nn.CrossEntropyLoss(weight=...)`); None otherwise."""
        weights = self.cache.class_weights
        if self.balance != "recipe" or self.cache.balance != "class-weights" or weights is None:
            return None
        return torch.tensor(weights, dtype=torch.float32)

    def __len__(self):
        return len(self.positions)

    def __getitem__(self, index):
        position = int(self.positions[index])
        x = torch.from_numpy(self.split.input(position))
        y = int(self._targets[position])
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def __repr__(self):
        return f"<MedPipeDataset {self.cache.directory!r} split {self.split.name!r}, {len(self)} samples, balance {self.balance!r}>"


class EpochSampler(Sampler):
    """Dataset indices in the order `medpipe train --seed seed` visits the training split, one epoch per
    pass: the first pass is epoch `epoch` (0 is the trainer's first), each later pass the next one.
    `set_epoch(e)` jumps to epoch `e`."""

    def __init__(self, dataset, seed: int = 0, epoch: int = 0):
        self.count, self.seed, self.epoch = len(dataset), seed, epoch

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        order = epoch_order(self.count, self.seed, self.epoch)
        self.epoch += 1
        return iter(order.tolist())

    def __len__(self):
        return self.count


#: The layer types a checkpoint's architecture may name (MedPipe's layers, as `torch.nn` names them).
LAYERS = frozenset({"Conv1d", "Conv2d", "Conv3d", "Linear", "ReLU", "MaxPool1d", "MaxPool2d", "MaxPool3d",
                    "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
                    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Dropout", "Flatten"})


def build_model(architecture: list) -> nn.Sequential:
    """The `nn.Sequential` a checkpoint's architecture describes (one `{"type": ..., arguments...}` per layer),
    freshly initialized."""
    modules = []
    for index, spec in enumerate(architecture):
        spec = dict(spec)
        kind = spec.pop("type", None)
        if kind not in LAYERS:
            raise ValueError(f"layer {index}: type {kind!r} is not one of MedPipe's layers ({', '.join(sorted(LAYERS))})")
        try:
            modules.append(getattr(nn, kind)(**spec))
        except TypeError as error:
            raise ValueError(f"layer {index} ({kind}): {error}") from None
    return nn.Sequential(*modules)


class Ensemble(nn.Module):
    """A seed ensemble of `medpipe train --ensemble K`: K networks of one architecture whose softmax
    probabilities are averaged. Its output is the log of that mean (what `medpipe predict --npy` writes),
    so `softmax` of it, or its `argmax`, is the ensemble's prediction."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        mean = sum(torch.softmax(member(x), 1) for member in self.members) / len(self.members)
        return torch.log(mean.clamp_min(torch.finfo(mean.dtype).tiny))


def _declared_weights(architecture: list) -> int:
    """The weights the architecture's layers declare (a convolution's out × in × kernel^rank, a linear layer's out × in,
    a batch norm's features); a layer whose sizes are not integers counts none (building it says what is wrong)."""
    total = 0
    for spec in architecture:
        kind = spec.get("type", "")
        if kind.startswith("Conv"):
            sizes = [spec.get("out_channels"), spec.get("in_channels")] + [spec.get("kernel_size")] * int(kind[4:5] or 0)
        elif kind == "Linear":
            sizes = [spec.get("out_features"), spec.get("in_features")]
        elif kind.startswith("BatchNorm"):
            sizes = [spec.get("num_features")]
        else:
            continue
        if all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes):
            total += math.prod(sizes)
    return total


def load_model(path, map_location=None) -> nn.Module:
    """The model of a `medpipe train` checkpoint: built from its architecture, every weight and running
    statistic loaded strictly, checked to give one logit per class name, and in evaluation mode (call
    `.train()` to fine-tune). `read_checkpoint(path)` gives the class names and input shape.
    An `nn.Sequential`, or for an ensemble (metadata `ensemble`: K, tensors `member0.`...) an `Ensemble`
    of K of them."""
    path = os.fspath(path)
    checkpoint = read_checkpoint(path)
    count = checkpoint.metadata.get("ensemble")
    if count is None:
        states = [checkpoint.tensors]
    else:
        if not count.isdigit() or not 2 <= int(count) <= 1024:
            raise CacheError(path, f"metadata 'ensemble' must be a member count from 2 to 1024, got {count!r}")
        states = [{} for _ in range(int(count))]
        for name, array in checkpoint.tensors.items():
            member, _, rest = name.partition(".")
            index = member[len("member"):]
            if not member.startswith("member") or not index.isdigit() or str(int(index)) != index or int(index) >= len(states):
                raise CacheError(path, f"tensor {name!r} belongs to none of the {len(states)} ensemble members")
            states[int(index)][rest] = array
    # Checked before any layer is built: a damaged size would otherwise allocate terabytes (or fail in PyTorch's allocator).
    declared, stored = _declared_weights(checkpoint.architecture), sum(array.size for array in checkpoint.tensors.values())
    if declared > stored:
        raise CacheError(path, f"its architecture declares {declared} weights, its tensors hold {stored} values")
    members = []
    for i, tensors in enumerate(states):
        what = "weights" if count is None else f"ensemble member {i}'s weights"
        try:
            model = build_model(checkpoint.architecture)
        except ValueError as error:
            raise CacheError(path, f"architecture: {error}") from None
        try:
            model.load_state_dict({name: torch.from_numpy(array) for name, array in tensors.items()}, strict=True)
        except RuntimeError as error:
            raise CacheError(path, f"{what} do not fit the architecture: {error}") from None
        members.append(model)
    model = members[0] if count is None else Ensemble(members)
    model.eval()
    with torch.no_grad():
        try:
            out = model(torch.zeros(1, *checkpoint.input_shape))
        except RuntimeError as error:
            raise CacheError(path, f"architecture does not take inputs of shape {checkpoint.input_shape}: {error}") from None
    if tuple(out.shape) != (1, len(checkpoint.class_names)):
        raise CacheError(path, f"architecture gives outputs {list(out.shape[1:])} for input {checkpoint.input_shape}, "
                               f"but there are {len(checkpoint.class_names)} class names")
    return model if map_location is None else model.to(map_location)
