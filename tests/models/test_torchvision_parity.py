"""Output parity with torchvision (eval mode, float64): the same seeded weights loaded by
name into ember's model and torchvision's give the same logits. The torchvision outputs
were made once by ``fixtures/make_torchvision_fixtures.py`` (torchvision is not a test
dependency); weights and inputs are regenerated here from ``_seeded.py``."""
import numpy as np
import pytest

import ember

from ._seeded import seeded_input, seeded_state
from ._zoo import FIXTURES, build

OUTPUTS = np.load(FIXTURES / "torchvision_outputs.npz")
SHAPES = {"inception_v3": (2, 3, 80, 80)}


@pytest.mark.parametrize("name", sorted(k for k in OUTPUTS.files if k != "versions"))
def test_eval_outputs_equal_torchvision_with_the_same_weights(name):
    model = build(name).double()
    state = seeded_state([(k, v.shape) for k, v in model.state_dict().items()])
    model.load_state_dict(state)
    with ember.no_grad():
        out = model.eval()(ember.tensor(seeded_input(SHAPES.get(name, (2, 3, 64, 64)))))
    expected = OUTPUTS[name]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-7, atol=1e-9 * np.abs(expected).max())
