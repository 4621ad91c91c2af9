"""Deterministic weights for a state dict, from its keys and shapes alone (pure NumPy, so
the fixture script run under torchvision and the tests run under ember draw the same
numbers): convolution/linear weights N(0, 2 / fan_in) (He), biases and batch-norm shifts
N(0, 0.1^2), batch-norm scales 1 + N(0, 0.1^2), running means N(0, 0.1^2), running
variances U(0.5, 1.5), counters 0. The output-parity fixtures then only store outputs."""
import zlib

import numpy as np


def seeded_state(keys_and_shapes, seed=0):
    out = {}
    for key, shape in keys_and_shapes:
        shape = tuple(shape)
        rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
        leaf = key.rsplit(".", 1)[-1]
        if leaf == "num_batches_tracked":
            out[key] = np.zeros(shape, np.int64)
        elif leaf == "running_var":
            out[key] = rng.uniform(0.5, 1.5, shape)
        elif leaf == "weight" and len(shape) > 1:
            fan_in = int(np.prod(shape[1:]))
            out[key] = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        elif leaf == "weight":
            out[key] = 1.0 + 0.1 * rng.standard_normal(shape)
        else:   # bias, running_mean
            out[key] = 0.1 * rng.standard_normal(shape)
    return out


def seeded_input(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)
