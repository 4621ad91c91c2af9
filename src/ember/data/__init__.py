"""Data: datasets, loaders, samplers, transforms and ready-made datasets, with PyTorch's
names (``torch.utils.data``, torchvision's ``MNIST``/``FashionMNIST``).

    >>> import ember
    >>> from ember.data import DataLoader, TensorDataset
    >>> from ember.data.datasets import load_digits
    >>> train = load_digits(split="train")
    >>> xb, yb = next(iter(DataLoader(train, batch_size=32, shuffle=True)))
    >>> xb.shape, yb.dtype
    (ember.Size([32, 64]), dtype('int64'))
"""
from .dataset import (  # noqa: F401
    Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split,
)
from .dataloader import (  # noqa: F401
    DataLoader, Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
    WeightedRandomSampler, BatchSampler, default_collate, default_convert,
)
from . import datasets, transforms, idx  # noqa: F401
from .datasets import load_digits, make_xor, make_spirals, make_moons, make_circles  # noqa: F401
from .idx import read_idx, write_idx, MNIST, FashionMNIST, download_url, ChecksumError  # noqa: F401
from . import cifar, vision  # noqa: F401
from .cifar import CIFAR10  # noqa: F401

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    "DataLoader", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert",
    "datasets", "transforms", "idx", "load_digits", "make_xor", "make_spirals", "make_moons",
    "make_circles", "read_idx", "write_idx", "MNIST", "FashionMNIST", "download_url",
    "ChecksumError", "cifar", "vision", "CIFAR10",
]
