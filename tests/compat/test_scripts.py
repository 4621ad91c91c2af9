"""Tutorial-style PyTorch scripts run unchanged on ember but for their import lines, and
give torch's losses step by step (float32 tolerance), from the same initial weights."""
import numpy as np
import pytest

from . import _runner

pytest.importorskip("torch")
SCRIPTS = sorted(p.stem for p in _runner.SCRIPTS.glob("*.py"))


def test_the_import_swap_is_the_only_change():
    src = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nx = torch.ones(2)\n"
    assert _runner.to_ember(src) == ("import ember as torch\nimport ember.nn as nn\n"
                                     "from ember.utils.data import DataLoader\nx = torch.ones(2)\n")


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_gives_torchs_losses(name, torch_float32_default):
    want = _runner.run(name, "torch")
    got = _runner.run(name, "ember")
    assert want.shape == got.shape and len(want) >= 3
    assert np.isfinite(want).all() and want[-1] < want[0]          # the script really trains
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5)
