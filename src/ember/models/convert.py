"""Convert a PyTorch checkpoint (``torch.save(model.state_dict(), path)``) to the
safetensors file that :func:`ember.load` reads, so torchvision's weights load into the
zoo's models by name::

    # once, where torch and torchvision are installed
    torch.save(torchvision.models.resnet18(weights="DEFAULT").state_dict(), "resnet18.pth")
    ember.models.convert_torch_checkpoint("resnet18.pth", "resnet18.safetensors")
    # then, anywhere
    model = ember.models.resnet18(weights="resnet18.safetensors")
"""
import os


def _unwrap(obj, src):
    if isinstance(obj, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if key in obj and isinstance(obj[key], dict):
                return obj[key]
        return obj
    raise ValueError(f"convert_torch_checkpoint: {src} holds a {type(obj).__name__}, expected a state dict")


def convert_torch_checkpoint(src, dst, strip_prefix="module."):
    """Read the state dict saved by torch at ``src`` and write it to ``dst`` as safetensors.

    The file is read with ``torch.load(src, map_location="cpu", weights_only=True)``
    (torch must be installed for this one step): the unpickler accepts only tensors and
    plain containers, so a checkpoint cannot run arbitrary code, and a file that needs more
    is refused with a ``ValueError``. A dict wrapping the state dict under ``"state_dict"``
    or ``"model"`` is unwrapped; ``strip_prefix`` (``DataParallel``'s ``"module."``) is
    removed from keys. Tensors become ember tensors of the same dtype (bfloat16 as float32);
    non-tensor entries are dropped. Returns ``{key: shape}`` of what was written.
    """
    try:
        import torch
    except ImportError as exc:
        raise ImportError("convert_torch_checkpoint needs torch to read a torch.save file "
                          "(pip install torch)") from exc
    from ..creation import from_numpy
    from ..serialization import save
    if not os.path.isfile(src):
        raise FileNotFoundError(f"convert_torch_checkpoint: no file at src={src!r}")
    try:
        obj = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as exc:   # UnpicklingError for disallowed globals, RuntimeError for non-zip files
        raise ValueError(f"convert_torch_checkpoint: {src} could not be read with weights_only=True "
                         f"(refused or not a torch checkpoint): {exc}") from exc
    state = {}
    for key, value in _unwrap(obj, src).items():
        if not isinstance(value, torch.Tensor):
            continue
        if strip_prefix and key.startswith(strip_prefix):
            key = key[len(strip_prefix):]
        value = value.detach()
        if value.dtype == torch.bfloat16:
            value = value.float()
        state[key] = from_numpy(value.contiguous().numpy().copy())
    if not state:
        raise ValueError(f"convert_torch_checkpoint: {src} holds no tensors")
    save(state, dst)
    return {k: tuple(v.shape) for k, v in state.items()}
