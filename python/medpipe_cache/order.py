"""The order in which `medpipe train --seed S` visits the training split in each epoch.

The trainer takes the cache's plan (positions into the split, repeats for oversampling) and shuffles
it at the start of every epoch with its seeded generator — xoshiro256** seeded through SplitMix64, on
the sub-stream `epoch + 0x5EED` — by Swift's `shuffle(using:)`: a forward Fisher–Yates whose random
index is drawn with Lemire's nearly-divisionless method. This module is that, bit for bit, in Python.
"""
from __future__ import annotations

import numpy as np

_MASK = (1 << 64) - 1


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & _MASK


class SeededGenerator:
    """MedPipe's `SeededGenerator`: xoshiro256** whose state comes from SplitMix64 of the seed."""

    def __init__(self, seed: int, stream: int | None = None):
        if stream is not None:
            seed = ((seed ^ ((stream * 0xD1B5_4A32_D192_ED03) & _MASK)) + 0x2545_F491_4F6C_DD1D) & _MASK
        x, state = seed & _MASK, []
        for _ in range(4):
            x = (x + 0x9E37_79B9_7F4A_7C15) & _MASK
            z = ((x ^ (x >> 30)) * 0xBF58_476D_1CE4_E5B9) & _MASK
            z = ((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB) & _MASK
            state.append(z ^ (z >> 31))
        self.s0, self.s1, self.s2, self.s3 = state

    def next(self) -> int:
        """The next 64-bit output."""
        s0, s1, s2, s3 = self.s0, self.s1, self.s2, self.s3
        result = (_rotl((s1 * 5) & _MASK, 7) * 9) & _MASK
        t = (s1 << 17) & _MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s0, self.s1, self.s2, self.s3 = s0, s1, s2, _rotl(s3, 45)
        return result

    def below(self, bound: int) -> int:
        """A uniform integer in [0, bound), as Swift's `Int.random(in: 0..<bound, using:)` draws it."""
        m = self.next() * bound
        if m & _MASK < bound:
            threshold = ((1 << 64) - bound) % bound
            while m & _MASK < threshold:
                m = self.next() * bound
        return m >> 64


def swift_shuffle(values: list, generator: SeededGenerator) -> None:
    """Shuffles `values` in place as Swift's `MutableCollection.shuffle(using:)` does."""
    amount, current = len(values), 0
    while amount > 1:
        j = current + generator.below(amount)
        amount -= 1
        values[current], values[j] = values[j], values[current]
        current += 1


def epoch_order(count: int, seed: int = 0, epoch: int = 0) -> np.ndarray:
    """Positions 0..<count in the order epoch `epoch` (from 0) of `medpipe train --seed seed` visits them."""
    if not 0 <= seed <= _MASK or epoch < 0:
        raise ValueError(f"seed must be an unsigned 64-bit integer and epoch ≥ 0, got seed {seed}, epoch {epoch}")
    order = list(range(count))
    swift_shuffle(order, SeededGenerator(seed, stream=(epoch + 0x5EED) & _MASK))
    return np.asarray(order, dtype=np.int64)
