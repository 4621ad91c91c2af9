"""``ember.backends``: the switches PyTorch scripts set (``torch.backends.cudnn.benchmark =
True``) and the questions they ask (``torch.backends.mps.is_available()``). ember has no
cuDNN or MPS; the switches are accepted and change nothing, the questions answer False."""
import types

__all__ = ["cudnn", "mps", "cuda", "mkldnn", "openmp"]


def _false():
    return False


cudnn = types.SimpleNamespace(enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                              is_available=_false, version=lambda: None)
mps = types.SimpleNamespace(is_available=_false, is_built=_false)
cuda = types.SimpleNamespace(matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True),
                             is_built=_false)
mkldnn = types.SimpleNamespace(enabled=False, is_available=_false)
openmp = types.SimpleNamespace(is_available=_false)
