"""Precise RoI pooling against dense numerical integration of the bilinear surface, and
its gradients (features and box coordinates) against finite differences."""
import numpy as np

import ember
from ember.detection import ops


def bilinear(f, y, x):
    """The bilinear surface of f (zero outside the map) at points y, x (same shape)."""
    H, W = f.shape
    out = np.zeros_like(y)
    for h in range(H):
        ky = np.maximum(0, 1 - np.abs(y - h))
        for w in range(W):
            out += ky * np.maximum(0, 1 - np.abs(x - w)) * f[h, w]
    return out


def dense_prroi(f, box, ph, pw, n=200):
    x1, y1, x2, y2 = box
    out = np.zeros((ph, pw))
    bh, bw = (y2 - y1) / ph, (x2 - x1) / pw
    u = (np.arange(n) + 0.5) / n                  # midpoint rule, n x n points per bin
    for p in range(ph):
        for q in range(pw):
            yy, xx = np.meshgrid(y1 + (p + u) * bh, x1 + (q + u) * bw, indexing="ij")
            out[p, q] = bilinear(f, yy, xx).mean()
    return out


def test_prroi_is_the_integral_of_the_bilinear_surface():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((1, 2, 6, 7))
    boxes = np.array([[0, 0.3, 0.6, 5.1, 4.2], [0, -1.5, 2.2, 3.3, 6.5], [0, 2.0, 1.0, 2.9, 1.4]])
    out = ops.prroi_pool(ember.tensor(f), ember.tensor(boxes), (2, 3)).numpy()
    for k, b in enumerate(boxes):
        for c in range(2):
            ref = dense_prroi(f[0, c], b[1:], 2, 3)
            np.testing.assert_allclose(out[k, c], ref, atol=1e-4)


def test_prroi_gradients_in_features_and_box_coordinates():
    rng = np.random.default_rng(1)
    f = ember.tensor(rng.standard_normal((2, 2, 5, 6)), requires_grad=True)
    b = ember.tensor([[0.4, 0.7, 4.3, 3.6], [1.2, 0.2, 3.9, 4.4]], dtype=ember.float64,
                     requires_grad=True)

    def fn(feat, coords):
        return ops.prroi_pool(feat, [coords[:1], coords[1:]], (2, 2), 1.0)

    assert ember.autograd.gradcheck(fn, (f, b))
    b.grad = None
    fn(f, b).sum().backward()
    assert np.abs(b.grad.numpy()).min() > 1e-4       # every coordinate moves the output


def test_prroi_of_an_empty_bin_is_zero():
    f = ember.ones(1, 1, 4, 4)
    out = ops.prroi_pool(f, ember.tensor([[0, 1.0, 1.0, 1.0, 3.0]]), 2).numpy()
    np.testing.assert_array_equal(out, 0.0)
