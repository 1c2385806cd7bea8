"""Read-only memory mappings of a cache's shard files (`shards/000001.bin`, ...), opened lazily by each
process that reads: mappings are never shared across a fork or pickled."""
from __future__ import annotations

import hashlib
import mmap
import os

import numpy as np

from .errors import CacheError
from .files import open_regular_file


def shard_path(directory: str, number: int) -> str:
    """`DIR/000001.bin`: the number zero-padded to six digits (more digits past 999999)."""
    return os.path.join(directory, f"{number:06d}.bin")


class ShardReader:
    """Maps each shard once per process and cuts entries out of it as NumPy views, checked against its size."""

    def __init__(self, directory: str):
        self.directory = directory
        self._pid = None
        self._maps: dict[int, mmap.mmap | None] = {}

    def array(self, entry) -> np.ndarray:
        """The entry's tensor: a read-only view into the mapping (no copy), once its bytes are checked against their
        SHA-256 in the manifest (a damaged shard would otherwise train a model on wrong values without a word)."""
        buffer = self._map(entry.shard)
        path = shard_path(self.directory, entry.shard)
        size = 0 if buffer is None else len(buffer)
        if entry.offset + entry.length > size:
            raise CacheError(path, f"entry {entry.id} at offset {entry.offset} with {entry.length} bytes runs past the shard's end ({size} bytes)")
        stored = memoryview(buffer)[entry.offset:entry.offset + entry.length] if entry.length else b""
        if hashlib.sha256(stored).hexdigest() != entry.sha256:
            raise CacheError(path, f"entry {entry.id}: its bytes differ from their SHA-256 in the manifest: the shard is damaged "
                                   "(`medpipe cache verify` lists every damaged entry)")
        if entry.length == 0:
            return np.zeros(entry.shape, dtype=entry.dtype)
        count = entry.length // entry.dtype.itemsize
        return np.frombuffer(buffer, dtype=entry.dtype, count=count, offset=entry.offset).reshape(entry.shape)

    def __getstate__(self):  # pickled for a spawned worker: without the mappings, which it opens again
        return {"directory": self.directory, "_pid": None, "_maps": {}}

    def _map(self, number: int):
        if self._pid != os.getpid():  # a forked worker: map the shards again, in this process
            self._pid, self._maps = os.getpid(), {}
        if number not in self._maps:
            path = shard_path(self.directory, number)
            try:
                with open_regular_file(path) as file:
                    size = os.fstat(file.fileno()).st_size
                    self._maps[number] = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else None
            except OSError as error:
                raise CacheError(path, f"cannot map shard: {error.strerror or error}") from None
        return self._maps[number]
