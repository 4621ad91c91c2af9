"""Run a PyTorch-style script twice: as written (with torch), and with only its import lines
changed to ember (``import torch`` -> ``import ember as torch``, ``from torch.utils.data
import ...`` -> ``from ember.utils.data import ...``), the change a user makes.

Scripts draw their data and noise from NumPy, and call ``same_init(model)`` (given to
them) after building a model, so both runs start from the same weights; each leaves its
per-step losses in ``LOSSES``."""
import re
import zlib
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).parent / "scripts"
_IMPORT = re.compile(r"^(\s*)(import|from)\s+torch\b", re.M)


def to_ember(source):
    """The script with its torch imports turned into ember imports (nothing else changes)."""
    source = re.sub(r"^(\s*)import torch\s*$", r"\1import ember as torch", source, flags=re.M)
    return _IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)} ember", source)


def _same_init(lib):
    def same_init(module, scale=0.2):
        """Every parameter from a NumPy stream seeded by its name (identical in both runs)."""
        with lib.no_grad():
            for name, p in module.named_parameters():
                rng = np.random.default_rng(zlib.crc32(name.encode()))
                arr = (rng.standard_normal(tuple(p.shape)) * scale).astype(np.float32)
                p.copy_(lib.from_numpy(arr))
        return module
    return same_init


def run(name, backend):
    """The ``LOSSES`` of ``scripts/<name>.py`` run with ``backend`` ("torch" or "ember")."""
    source = (SCRIPTS / f"{name}.py").read_text()
    if backend == "ember":
        source = to_ember(source)
        import ember as lib
    else:
        import torch as lib
    env = {"__name__": "__main__", "same_init": _same_init(lib)}
    exec(compile(source, f"{name}.py [{backend}]", "exec"), env)
    return np.asarray(env["LOSSES"], dtype=np.float64)
