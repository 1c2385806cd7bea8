"""Checkpoints written by `medpipe train`: safetensors files whose tensors are a PyTorch `nn.Sequential`
`state_dict` and whose metadata holds the architecture and the data contract, read with NumPy alone.

Metadata (all strings): `format` (`medpipe.sequential.v1`), `architecture` (JSON array, one object per
layer: `type`, a `torch.nn` module name, and its constructor arguments), `class_names` (JSON array),
`input_shape` (JSON array, one sample, channels first), `normalization`, `recipe_hash`, `model_name`; with them the
training cache's preparation (`pipeline`, `fitted`, ...), its training patients (`training_groups`) and the digest of
the training's epochs (`training_curve`).
"""
from __future__ import annotations

import base64
import json
import math
import os
import struct
from dataclasses import dataclass, field

import numpy as np

from .errors import CacheError
from .files import open_regular_file

#: The checkpoint format this package reads.
CHECKPOINT_FORMAT = "medpipe.sequential.v1"

_DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "U32": "<u4", "I32": "<i4",
           "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8"}


@dataclass
class Checkpoint:
    """A checkpoint's tensors (NumPy arrays by state_dict name) and what its metadata says."""
    path: str
    tensors: dict
    metadata: dict
    architecture: list = field(default_factory=list)
    class_names: list = field(default_factory=list)
    input_shape: list = field(default_factory=list)

    @property
    def model_name(self) -> str:
        return self.metadata.get("model_name", "")

    @property
    def recipe_hash(self) -> str:
        """SHA-256 of the recipe of the cache the model was trained on (compare with `Cache.recipe_hash`)."""
        return self.metadata.get("recipe_hash", "")

    @property
    def training_groups(self) -> tuple[str | None, frozenset[int]] | None:
        """The patients of the model's training split, as `medpipe train` keeps them (metadata `training_groups`): the
        fingerprint of the project key that made their pseudonyms, and the first 8 bytes of each pseudonym's SHA-256
        (big-endian integers). None for a model written before they were kept. `Split.trained_patients` counts them."""
        text = self.metadata.get("training_groups")
        if text is None:
            return None
        try:
            stored = json.loads(text)
            digests = base64.b64decode(stored["digests"], validate=True)
            key = stored.get("key")
        except (ValueError, KeyError, TypeError):
            raise CacheError(self.path, "its metadata 'training_groups' is not what `medpipe train` writes") from None
        if len(digests) % 8 or not (key is None or isinstance(key, str)):
            raise CacheError(self.path, "its metadata 'training_groups' does not hold 8-byte digests")
        return key, frozenset(int.from_bytes(digests[i:i + 8], "big") for i in range(0, len(digests), 8))


def read_safetensors(path) -> tuple[dict, dict]:
    """The tensors (NumPy arrays, copied out of the file) and the string metadata of a safetensors file,
    every size and offset checked against the file."""
    path = os.fspath(path)
    try:
        with open_regular_file(path) as file:
            data = file.read()
    except OSError as error:
        raise CacheError(path, f"cannot read: {error.strerror or error}") from None
    if len(data) < 8:
        raise CacheError(path, "too short for a safetensors header")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise CacheError(path, f"header of {size} bytes runs past the end of the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise CacheError(path, f"header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise CacheError(path, "header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CacheError(path, "__metadata__ is not a map of strings")
    body, tensors = memoryview(data)[8 + size:], {}
    for name, spec in header.items():
        try:
            dtype, shape, (begin, end) = np.dtype(_DTYPES[spec["dtype"]]), list(spec["shape"]), spec["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise CacheError(path, f"tensor '{name}' lacks a known dtype, a shape or data_offsets: {spec!r}") from None
        if not all(isinstance(n, int) and n >= 0 for n in shape + [begin, end]):
            raise CacheError(path, f"tensor '{name}' has a negative or non-integer size or offset")
        if not begin <= end <= len(body) or end - begin != math.prod(shape) * dtype.itemsize:
            raise CacheError(path, f"tensor '{name}' ({spec['dtype']} {shape}) does not fit its data_offsets [{begin}, {end}] in {len(body)} bytes")
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors, metadata


def read_checkpoint(path) -> Checkpoint:
    """Reads a checkpoint of `medpipe train` (or any `medpipe.sequential.v1` safetensors file)."""
    path = os.fspath(path)
    tensors, metadata = read_safetensors(path)
    if metadata.get("format", CHECKPOINT_FORMAT) != CHECKPOINT_FORMAT:
        raise CacheError(path, f"checkpoint format {metadata['format']!r} is not {CHECKPOINT_FORMAT!r}")

    def json_field(key, check, what):
        try:
            value = json.loads(metadata[key])
        except (KeyError, ValueError):
            raise CacheError(path, f"metadata '{key}' is missing or not JSON") from None
        if not check(value):
            raise CacheError(path, f"metadata '{key}' is not {what}")
        return value

    architecture = json_field("architecture", lambda v: isinstance(v, list) and all(isinstance(o, dict) and isinstance(o.get("type"), str) for o in v),
                              "an array of layer objects with a 'type'")
    class_names = json_field("class_names", lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v), "an array of strings")
    input_shape = json_field("input_shape", lambda v: isinstance(v, list) and all(isinstance(n, int) and n > 0 for n in v), "an array of positive integers")
    return Checkpoint(path=path, tensors=tensors, metadata=metadata, architecture=architecture,
                      class_names=class_names, input_shape=input_shape)
