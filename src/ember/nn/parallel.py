"""``ember.nn.parallel``: ``DataParallel`` on one CPU is the module itself (wrapped, so its
``state_dict`` keys carry torch's ``module.`` prefix); ember has no distributed training
(for searches and the lab it runs on Ray instead)."""
from .modules.module import Module

__all__ = ["DataParallel", "DistributedDataParallel"]


class DataParallel(Module):
    """torch's ``DataParallel(module)``: here there is one device, so ``forward`` calls
    ``module`` unchanged."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be an ember.nn.Module, got {type(module).__name__}")
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    def __init__(self, module, *args, **kwargs):
        raise NotImplementedError(
            "DistributedDataParallel: ember trains on one machine; drop the wrapper (use the module "
            "itself), or run independent trials on several machines with ember.tune's backend='ray'")
