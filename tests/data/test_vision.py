"""Image augmentation: the maths of each transform (a flip is a flip, a crop is a window of
the padded image, an affine map with no rotation or shift is the identity, a quarter turn
is np.rot90, erasing writes one rectangle), reproducibility under a seed, per-image draws
in a batch, arrays and Tensors (with gradients), and bad input errors."""
import numpy as np
import pytest

import ember
from ember.data.transforms import Compose
from ember.data.vision import (Normalize, RandomAffine, RandomCrop, RandomErasing,
                               RandomHorizontalFlip)


def gen(seed):
    return ember.Generator().manual_seed(seed)


def images(n=6, c=3, h=7, w=9, seed=0, dtype=np.float64):
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, c, h, w)) if dtype != np.uint8 else r.integers(0, 256, (n, c, h, w))
    return x.astype(dtype)


# ---- Normalize -------------------------------------------------------------------------------
def test_normalize_math_arrays_and_tensors():
    x = images(4, 3, 5, 6)
    mean, std = (0.1, -0.2, 0.3), (0.5, 2.0, 4.0)
    ref = (x - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    t = Normalize(mean, std)
    np.testing.assert_allclose(t(x), ref, rtol=1e-12)
    np.testing.assert_allclose(t(x[2]), ref[2], rtol=1e-12)         # one (C, H, W) image
    xt = ember.tensor(x, requires_grad=True)
    out = t(xt)
    assert isinstance(out, ember.Tensor)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy()[0, :, 0, 0], 1 / np.array(std))
    # per-channel mean 0 / std 1 after normalising with the data's own statistics
    m, s = x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    z = Normalize(m, s)(x)
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=(0, 2, 3)), 1, rtol=1e-12)
    # uint8 -> float32; float32 stays float32; inplace writes into the array
    assert Normalize(0.5, 0.25)(images(dtype=np.uint8)).dtype == np.float32
    f32 = x.astype(np.float32)
    assert Normalize(mean, std)(f32).dtype == np.float32
    y = Normalize(mean, std, inplace=True)(f32)
    assert y is f32
    np.testing.assert_allclose(f32, ref, rtol=1e-5, atol=1e-6)
    assert repr(Normalize(0.5, 0.25)) == "Normalize(mean=[0.5], std=[0.25])"


def test_normalize_errors():
    with pytest.raises(ValueError, match=r"Normalize: std=\(1, 0\) must hold finite values > 0"):
        Normalize((0, 0), (1, 0))
    with pytest.raises(ValueError, match=r"Normalize: 2 channel statistics given but the input of shape \(3, 4, 4\) has C=3"):
        Normalize((0, 0), (1, 1))(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match=r"Normalize: expected a \(C, H, W\) image or an \(N, C, H, W\) batch, got shape \(4, 4\)"):
        Normalize(0, 1)(np.zeros((4, 4)))


# ---- RandomCrop ------------------------------------------------------------------------------
def _find_window(padded, crop):
    """All (i, j) where crop equals the window of padded at (i, j)."""
    h, w = crop.shape[-2:]
    H, W = padded.shape[-2:]
    return [(i, j) for i in range(H - h + 1) for j in range(W - w + 1)
            if np.array_equal(padded[..., i:i + h, j:j + w], crop)]


def test_random_crop_is_a_window_of_the_padded_image():
    x = images(20, 2, 6, 7, seed=1)
    out = RandomCrop((5, 4), padding=2, generator=gen(0))(x)
    assert out.shape == (20, 2, 5, 4)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    offsets = []
    for k in range(20):
        found = _find_window(padded[k], out[k])
        assert len(found) == 1, k
        offsets.append(found[0])
    assert len(set(offsets)) > 5, "every image of a batch draws its own offset"
    # the same seed gives the same crops; another seed different ones
    np.testing.assert_array_equal(RandomCrop((5, 4), padding=2, generator=gen(0))(x), out)
    assert not np.array_equal(RandomCrop((5, 4), padding=2, generator=gen(1))(x), out)


def test_random_crop_padding_forms_fill_and_single_image():
    x = np.arange(12.0).reshape(1, 3, 4)
    # (left, top, right, bottom) = (1, 0, 0, 2) -> padded size (5, 5); a 5x5 crop is the padded image
    out = RandomCrop(5, padding=(1, 0, 0, 2), fill=-1, generator=gen(0))(x)
    ref = np.pad(x, ((0, 0), (0, 2), (1, 0)), constant_values=-1)
    np.testing.assert_array_equal(out, ref)
    # (left/right, top/bottom)
    out = RandomCrop((5, 6), padding=(1, 1), generator=gen(0))(x)
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (1, 1), (1, 1))))
    # pad_if_needed pads both sides of a too-small dimension by the shortfall
    out = RandomCrop((5, 4), pad_if_needed=True, generator=gen(3))(x)
    assert out.shape == (1, 5, 4)
    assert len(_find_window(np.pad(x, ((0, 0), (2, 2), (0, 0))), out)) >= 1
    with pytest.raises(ValueError, match=r"RandomCrop: required crop size \(5, 4\) is larger than the \(padded\) input image size \(3, 4\)"):
        RandomCrop((5, 4))(x)


def test_random_crop_tensor_gradient():
    x = ember.tensor(images(3, 2, 5, 5), requires_grad=True)
    y = RandomCrop(3, padding=1, generator=gen(2))(x)
    y.sum().backward()
    g = x.grad.numpy()
    assert set(np.unique(g)) <= {0.0, 1.0}
    np.testing.assert_allclose(g.sum(axis=(1, 2, 3)), [np.count_nonzero(
        RandomCrop(3, padding=1, generator=gen(2))(np.ones((3, 2, 5, 5)))[k]) for k in range(3)])


# ---- RandomHorizontalFlip --------------------------------------------------------------------
def test_flip_is_a_mirror_with_probability_p():
    x = images(400, 1, 2, 3, seed=2)
    out = RandomHorizontalFlip(0.3, generator=gen(0))(x)
    flipped = np.array([np.array_equal(out[k], x[k, :, :, ::-1]) for k in range(400)])
    kept = np.array([np.array_equal(out[k], x[k]) for k in range(400)])
    assert np.all(flipped ^ kept), "each image is either mirrored or untouched"
    assert abs(flipped.mean() - 0.3) < 0.1           # 400 draws: 4 sd is about 0.09
    np.testing.assert_array_equal(RandomHorizontalFlip(0.3, generator=gen(0))(x), out)
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(0.0)(x), x)
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(x[0]), x[0, :, :, ::-1])
    # Tensor: flip twice = identity, gradient flows
    xt = ember.tensor(x[:5], requires_grad=True)
    y = RandomHorizontalFlip(1.0)(RandomHorizontalFlip(1.0)(xt))
    np.testing.assert_array_equal(y.detach().numpy(), x[:5])
    (y * ember.tensor(x[:5])).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), x[:5])
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: p=1.5 must be a probability in \[0, 1\]"):
        RandomHorizontalFlip(1.5)


# ---- RandomAffine ----------------------------------------------------------------------------
@pytest.mark.parametrize("interp", ["nearest", "bilinear"])
def test_affine_identity_rotations_and_shifts(interp):
    x = images(3, 2, 5, 5, seed=3)
    ident = RandomAffine(0, interpolation=interp)(x)
    np.testing.assert_array_equal(ident, x)
    q = RandomAffine((90, 90), interpolation=interp)(x)                # counter-clockwise
    np.testing.assert_allclose(q, np.rot90(x, 1, axes=(2, 3)), atol=1e-12)
    h = RandomAffine((180, 180), interpolation=interp)(x)
    np.testing.assert_allclose(h, x[:, :, ::-1, ::-1], atol=1e-12)
    # a non-square image rotates about its centre: 180 degrees is still the double flip
    r = images(2, 1, 4, 7, seed=4)
    np.testing.assert_allclose(RandomAffine((180, 180), interpolation=interp)(r), r[:, :, ::-1, ::-1],
                               atol=1e-12)
    # translation: the drawn integer shift moves the content, zeros come in
    t = RandomAffine(0, translate=(0.4, 0.4), interpolation=interp, generator=gen(5))
    _, tx, ty = RandomAffine(0, translate=(0.4, 0.4), generator=gen(5)).get_params(3, 5, 5)
    out = t(x)
    for k in range(3):
        ref = np.zeros_like(x[k])
        dx, dy = int(tx[k]), int(ty[k])
        src = x[k][:, max(0, -dy):5 - max(0, dy), max(0, -dx):5 - max(0, dx)]
        ref[:, max(0, dy):max(0, dy) + src.shape[1], max(0, dx):max(0, dx) + src.shape[2]] = src
        np.testing.assert_allclose(out[k], ref, atol=1e-12)
    assert np.abs(tx).max() <= 2 and np.abs(ty).max() <= 2 and (tx != 0).any()


def test_affine_random_angles_reproducible_and_fill():
    x = np.ones((8, 1, 9, 9))
    a = RandomAffine(45, fill=-1.0, generator=gen(0))(x)
    b = RandomAffine(45, fill=-1.0, generator=gen(0))(x)
    np.testing.assert_array_equal(a, b)
    angles, _, _ = RandomAffine(45, generator=gen(0)).get_params(8, 9, 9)
    assert np.all(np.abs(angles) <= 45) and len(set(np.round(angles, 6))) == 8
    # corners of a rotated square come from outside: filled; the centre is always kept
    assert np.all(a[:, 0, 4, 4] == 1.0)
    big = np.abs(angles) > 20
    assert np.all(a[big, 0, 0, 0] == -1.0)
    bil = RandomAffine(30, interpolation="bilinear", generator=gen(1))(images(2, 2, 6, 6).astype(np.float32))
    assert bil.dtype == np.float32 and bil.shape == (2, 2, 6, 6)
    u8 = RandomAffine(30, interpolation="bilinear", generator=gen(1))(images(2, 2, 6, 6, dtype=np.uint8))
    assert u8.dtype == np.uint8


def test_affine_tensor_gradient_bilinear():
    xt = ember.tensor(images(2, 1, 5, 5), requires_grad=True)
    y = RandomAffine((90, 90), interpolation="bilinear")(xt)
    (y * y).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), 2 * xt.detach().numpy(), atol=1e-12)


# ---- RandomErasing ---------------------------------------------------------------------------
def test_erasing_writes_one_rectangle():
    x = np.random.default_rng(0).uniform(1, 2, (50, 3, 16, 20))
    out = RandomErasing(p=1.0, value=0, generator=gen(0))(x)
    areas = []
    for k in range(50):
        zero = out[k] == 0
        assert np.all(zero == zero[0]), "the same rectangle in every channel"
        np.testing.assert_array_equal(out[k][~zero], x[k][~zero])
        rows, cols = np.nonzero(zero[0])
        if rows.size:
            h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
            assert rows.size == h * w, "a solid rectangle"
            assert h < 16 and w < 20
            areas.append(h * w / 320)
            ratio = h / w
            assert 0.3 / 1.5 < ratio < 3.3 * 1.5            # rounding of h and w
    assert len(areas) >= 45
    assert 0.01 < min(areas) and max(areas) < 0.4
    np.testing.assert_array_equal(RandomErasing(p=1.0, generator=gen(0))(x), out)
    np.testing.assert_array_equal(RandomErasing(p=0.0)(x), x)


def test_erasing_values_probability_and_tensors():
    x = np.ones((200, 3, 8, 8))
    out = RandomErasing(p=0.5, value=(5.0, 6.0, 7.0), generator=gen(1))(x)
    erased = np.array([(out[k] != 1).any() for k in range(200)])
    assert 0.38 < erased.mean() < 0.62
    k = int(np.argmax(erased))
    assert set(np.unique(out[k][0])) == {1.0, 5.0} and set(np.unique(out[k][2])) == {1.0, 7.0}
    noisy = RandomErasing(p=1.0, value="random", generator=gen(2))(np.zeros((2, 3, 10, 10)))
    assert np.count_nonzero(noisy) > 0 and noisy.std() > 0
    xt = ember.tensor(np.ones((4, 2, 6, 6)), requires_grad=True)
    y = RandomErasing(p=1.0, generator=gen(3))(xt)
    y.sum().backward()
    np.testing.assert_array_equal(xt.grad.numpy(), y.detach().numpy())   # 1 kept, 0 erased
    single = RandomErasing(p=1.0, generator=gen(4))(np.ones((3, 8, 8)))
    assert single.shape == (3, 8, 8) and (single == 0).any()


def test_erasing_errors():
    with pytest.raises(ValueError, match=r"RandomErasing: scale=\(0.5, 0.1\) must be a finite pair"):
        RandomErasing(scale=(0.5, 0.1))
    with pytest.raises(ValueError, match=r"RandomErasing: p=-0.1 must be a probability"):
        RandomErasing(p=-0.1)
    with pytest.raises(ValueError, match=r"RandomErasing: value='noise' must be"):
        RandomErasing(value="noise")
    with pytest.raises(ValueError, match=r"RandomErasing: value has 2 entries but the input of shape \(1, 3, 8, 8\) has C=3"):
        RandomErasing(p=1.0, value=(1, 2))(np.zeros((1, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"RandomAffine: degrees=-5 must be a non-negative number"):
        RandomAffine(-5)
    with pytest.raises(ValueError, match=r"RandomAffine: translate=\(0.2, 1.5\) must be a pair"):
        RandomAffine(0, translate=(0.2, 1.5))
    with pytest.raises(ValueError, match=r"RandomAffine: interpolation='cubic'"):
        RandomAffine(0, interpolation="cubic")
    with pytest.raises(TypeError, match="RandomCrop: expected an ember Tensor or a NumPy array, got list"):
        RandomCrop(2)([[1.0]])


# ---- composition -----------------------------------------------------------------------------
def test_compose_pipeline_is_reproducible_under_the_default_seed():
    x = images(16, 3, 12, 12, seed=9).astype(np.float32)
    aug = Compose([RandomCrop(12, padding=2), RandomHorizontalFlip(), RandomAffine(10, (0.1, 0.1)),
                   RandomErasing(), Normalize((0.0, 0.1, 0.2), (1.0, 1.0, 2.0))])
    ember.manual_seed(123)
    a = aug(x)
    ember.manual_seed(123)
    b = aug(x)
    ember.manual_seed(124)
    c = aug(x)
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_doctests():
    import doctest
    from ember.data import vision
    result = doctest.testmod(vision, verbose=False)
    assert result.attempted > 0 and result.failed == 0
