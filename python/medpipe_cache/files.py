"""Opening the files the package reads (shards, checkpoints) without ever waiting on one that is not a file."""
from __future__ import annotations

import os
import stat

from .errors import CacheError


def open_regular_file(path: str):
    """`path` opened for reading as a binary file object, once it is known to be a regular file: opened non-blocking
    and checked before anything is read, so a FIFO under the name (opening it would wait for a writer forever), a
    socket or a device is refused, naming it, as `medpipe` refuses it. Raises `OSError` when it cannot be opened."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise CacheError(path, "is a directory, expected a file" if stat.S_ISDIR(mode) else "is not a regular file (a FIFO, socket or device)")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
