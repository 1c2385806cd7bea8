"""Read MedPipe dataset caches (and `medpipe train` checkpoints) from Python.

    from medpipe_cache import open_cache
    cache = open_cache("out/mnist-cache")
    train = cache.split("train")
    x, y = train.input(0), train.targets[0]      # float32 channels-first, fitted; class index

NumPy and the standard library's sqlite3 only; `medpipe_cache.torch` adds a PyTorch Dataset, the trainer's
epoch order as a Sampler, and `load_model` for checkpoints.
"""
from .cache import DTYPES, FORMAT_VERSION, Cache, Entry, Split, open_cache
from .checkpoint import CHECKPOINT_FORMAT, Checkpoint, read_checkpoint, read_safetensors
from .errors import CacheError
from .layout import arrange
from .order import SeededGenerator, epoch_order

__version__ = "0.1.0"
__all__ = ["open_cache", "Cache", "Split", "Entry", "CacheError", "FORMAT_VERSION", "DTYPES", "arrange", "epoch_order",
           "SeededGenerator", "read_checkpoint", "read_safetensors", "Checkpoint", "CHECKPOINT_FORMAT"]
