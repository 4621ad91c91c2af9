"""``ember.utils.data``: datasets, samplers and ``DataLoader`` under torch's path
(``torch.utils.data``); the same objects as ``ember.data``, which also holds the ready-made
datasets and transforms."""
from ..data.dataset import (  # noqa: F401
    Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split,
)
from ..data.dataloader import (  # noqa: F401
    DataLoader, Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
    WeightedRandomSampler, BatchSampler, default_collate, default_convert,
)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
           "DataLoader", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert"]
