"""Image augmentation for (C, H, W) images or (N, C, H, W) batches (torchvision's names).

Every random transform draws from ``generator`` (an ``ember.Generator``; the default
generator when ``None``), so a seed reproduces the augmentation exactly. A batch gets an
independent draw per image, vectorised: one NumPy call draws all the parameters and one
gather applies them (no Python loop over images or pixels).

Containers are kept: a NumPy array in gives an array out (same dtype where it makes
sense), an ember Tensor in gives a Tensor out computed with ember ops (indexing, ``where``,
arithmetic), so gradients flow through an augmentation if the input requires them.

* ``Normalize(mean, std)``: ``x'[c] = (x[c] - mean[c]) / std[c]`` per channel.
* ``RandomCrop(size, padding, pad_if_needed, fill)``: pad, then cut a ``size`` window at a
  uniformly drawn position.
* ``RandomHorizontalFlip(p)``: mirror left-right with probability ``p``.
* ``RandomAffine(degrees, translate, interpolation, fill)``: rotate about the image centre
  by an angle drawn from ``degrees`` and shift by a drawn number of pixels; pixels that
  come from outside the image get ``fill``.
* ``RandomErasing(p, scale, ratio, value)``: with probability ``p`` overwrite a random
  rectangle (area fraction from ``scale``, aspect ratio from ``ratio``) -- Cutout-style
  occlusion (Zhong et al., 2017).

    >>> import numpy as np, ember
    >>> from ember.data.transforms import Compose
    >>> aug = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(),
    ...                Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))])
    >>> ember.manual_seed(0) and aug(np.zeros((8, 3, 32, 32), dtype=np.float32)).shape
    (8, 3, 32, 32)
"""
import math
import numbers

import numpy as np

from .. import ops
from ..autograd.tensor import Tensor, _wrap, get_default_dtype
from .transforms import RandomTransform, Transform

__all__ = ["Normalize", "RandomCrop", "RandomHorizontalFlip", "RandomAffine", "RandomErasing"]


# ---- helpers -------------------------------------------------------------------------------
def _check_image(x, name):
    """(batched, shape) for a (C, H, W) image or (N, C, H, W) batch."""
    if not isinstance(x, Tensor):
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{name}: expected an ember Tensor or a NumPy array, got {type(x).__name__}")
    shape = tuple(int(s) for s in x.shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"{name}: expected a (C, H, W) image or an (N, C, H, W) batch, got shape {shape}")
    return len(shape) == 4, shape


def _batched(x):
    return x.reshape((1,) + tuple(x.shape)) if isinstance(x, Tensor) else x[None]


def _unbatched(x):
    return x.reshape(tuple(x.shape)[1:]) if isinstance(x, Tensor) else x[0]


def _where(mask, a, b):
    """where(mask, a, b) for Tensors (ember op, differentiable) or arrays (dtype of b)."""
    if isinstance(b, Tensor):
        a_ = a if isinstance(a, Tensor) or np.isscalar(a) else _wrap(np.asarray(a, dtype=b.dtype))
        if np.isscalar(a_):
            a_ = float(a_)
        return ops.where(_wrap(mask), a_, b)
    return np.where(mask, np.asarray(a).astype(b.dtype, copy=False), b)


def _pad(x, left, top, right, bottom, fill):
    if not (left or top or right or bottom):
        return x
    if isinstance(x, Tensor):
        return ops.pad(x, (left, right, top, bottom), value=float(fill))
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(x, widths, mode="constant", constant_values=fill)


def _check_prob(p, name):
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0 <= p <= 1:
        raise ValueError(f"{name}: p={p!r} must be a probability in [0, 1]")
    return float(p)


def _pair_size(size, name):
    vals = (size, size) if isinstance(size, numbers.Integral) and not isinstance(size, bool) else tuple(size)
    if len(vals) == 1:
        vals = vals * 2
    if len(vals) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
                                 for v in vals):
        raise ValueError(f"{name}: size={size!r} must be a positive int or a pair (h, w) of positive ints")
    return int(vals[0]), int(vals[1])


def _range(v, name, what, lo=None):
    try:
        a, b = (float(t) for t in v)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {what}={v!r} must be a pair (min, max)") from None
    if not (math.isfinite(a) and math.isfinite(b)) or a > b or (lo is not None and a < lo):
        bound = f" with min >= {lo}" if lo is not None else ""
        raise ValueError(f"{name}: {what}={v!r} must be a finite pair (min, max), min <= max{bound}")
    return a, b


# ---- Normalize -----------------------------------------------------------------------------
class Normalize(Transform):
    """Per-channel standardisation with fixed statistics:
    ``x'[..., c, h, w] = (x[..., c, h, w] - mean[c]) / std[c]``.

    ``mean`` and ``std`` are sequences with one value per channel (or single numbers).
    Integer arrays are converted to the default float dtype first (scale uint8 images to
    [0, 1] with ``ToTensor`` before normalising with [0, 1] statistics).

        >>> import numpy as np
        >>> Normalize([1.0, 2.0], [2.0, 4.0])(np.full((2, 1, 1), 3.0)).ravel().tolist()
        [1.0, 0.25]
    """

    _repr_fields = ("mean", "std")

    def __init__(self, mean, std, inplace=False):
        self.mean = [float(m) for m in np.atleast_1d(np.asarray(mean, dtype=np.float64))]
        self.std = [float(s) for s in np.atleast_1d(np.asarray(std, dtype=np.float64))]
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values but std has {len(self.std)}")
        if not all(math.isfinite(s) and s > 0 for s in self.std):
            raise ValueError(f"Normalize: std={std!r} must hold finite values > 0")
        if not all(math.isfinite(m) for m in self.mean):
            raise ValueError(f"Normalize: mean={mean!r} must hold finite values")
        self.inplace = bool(inplace)

    def __call__(self, x):
        _, shape = _check_image(x, "Normalize")
        C = shape[-3]
        n = max(len(self.mean), len(self.std))
        if n not in (1, C):
            raise ValueError(f"Normalize: {n} channel statistics given but the input of shape {shape} "
                             f"has C={C} channels")
        if isinstance(x, Tensor):
            if x.dtype.kind != "f":
                x = x.to(get_default_dtype())
            dt = x.dtype
        else:
            x = np.asarray(x)
            dt = x.dtype if x.dtype.kind == "f" else get_default_dtype()
            x = x.astype(dt, copy=False)
        mean = np.asarray(self.mean, dtype=dt).reshape(-1, 1, 1)
        inv = (1.0 / np.asarray(self.std, dtype=np.float64)).astype(dt).reshape(-1, 1, 1)
        if isinstance(x, Tensor):
            return (x - _wrap(mean)) * _wrap(inv)
        if self.inplace and x.flags.writeable:
            x -= mean
            x *= inv
            return x
        return (x - mean) * inv


# ---- RandomCrop ----------------------------------------------------------------------------
class RandomCrop(RandomTransform):
    """Crop a ``size = (h, w)`` window at a uniformly random position.

    ``padding`` first pads the image with ``fill``: an int pads every side, a pair
    ``(left/right, top/bottom)``, a 4-tuple ``(left, top, right, bottom)`` (torchvision's
    convention). ``pad_if_needed=True`` pads both sides of a dimension smaller than the
    crop by the shortfall. Offsets ``i ~ U{0..H'-h}``, ``j ~ U{0..W'-w}`` are drawn per image.
    The classic CIFAR augmentation is ``RandomCrop(32, padding=4)``.

        >>> import numpy as np, ember
        >>> RandomCrop(2, generator=ember.Generator().manual_seed(0))(np.arange(9.0).reshape(1, 3, 3)).shape
        (1, 2, 2)
    """

    _repr_fields = ("size", "padding", "pad_if_needed", "fill")

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        super().__init__(generator)
        self.size = _pair_size(size, "RandomCrop")
        if padding_mode != "constant":
            raise ValueError(f"RandomCrop: padding_mode={padding_mode!r} is not supported; only 'constant'")
        if padding is not None:
            pads = (padding,) if isinstance(padding, numbers.Integral) else tuple(padding)
            if len(pads) not in (1, 2, 4) or not all(isinstance(p, numbers.Integral) and not isinstance(p, bool)
                                                     and p >= 0 for p in pads):
                raise ValueError(f"RandomCrop: padding={padding!r} must be a non-negative int or a sequence "
                                 f"of 2 or 4 non-negative ints")
        self.padding, self.pad_if_needed, self.fill = padding, bool(pad_if_needed), fill
        self.padding_mode = padding_mode

    def _pads(self):
        p = self.padding
        if p is None:
            return 0, 0, 0, 0
        p = (p,) if isinstance(p, numbers.Integral) else tuple(p)
        if len(p) == 1:
            return (int(p[0]),) * 4
        if len(p) == 2:
            return int(p[0]), int(p[1]), int(p[0]), int(p[1])
        return tuple(int(v) for v in p)

    def __call__(self, x):
        batched, _ = _check_image(x, "RandomCrop")
        xb = x if batched else _batched(x)
        xb = _pad(xb, *self._pads(), self.fill)
        h, w = self.size
        H, W = (int(s) for s in xb.shape[2:])
        if self.pad_if_needed and (H < h or W < w):
            dw, dh = max(0, w - W), max(0, h - H)
            xb = _pad(xb, dw, dh, dw, dh, self.fill)
            H, W = (int(s) for s in xb.shape[2:])
        if H < h or W < w:
            raise ValueError(f"RandomCrop: required crop size {(h, w)} is larger than the (padded) input "
                             f"image size {(H, W)}")
        N, C = (int(s) for s in xb.shape[:2])
        r = self.rng
        i = r.integers(0, H - h + 1, size=N)
        j = r.integers(0, W - w + 1, size=N)
        if N == 1:
            out = xb[:, :, int(i[0]):int(i[0]) + h, int(j[0]):int(j[0]) + w]
        else:
            rows = (i[:, None] + np.arange(h))[:, None, :, None]
            cols = (j[:, None] + np.arange(w))[:, None, None, :]
            out = xb[np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None], rows, cols]
        if not isinstance(out, Tensor):
            out = np.ascontiguousarray(out)
        return out if batched else _unbatched(out)


# ---- RandomHorizontalFlip ------------------------------------------------------------------
class RandomHorizontalFlip(RandomTransform):
    """Mirror the image left-right (``x'[..., w] = x[..., W - 1 - w]``) with probability ``p``,
    decided independently for each image of a batch."""

    _repr_fields = ("p",)

    def __init__(self, p=0.5, generator=None):
        super().__init__(generator)
        self.p = _check_prob(p, "RandomHorizontalFlip")

    def __call__(self, x):
        batched, shape = _check_image(x, "RandomHorizontalFlip")
        n = shape[0] if batched else 1
        flip = self.rng.random(n) < self.p
        flipped = x.flip(-1) if isinstance(x, Tensor) else x[..., ::-1]
        if not batched:
            if flip[0]:
                return flipped if isinstance(x, Tensor) else np.ascontiguousarray(flipped)
            return x
        if flip.all():
            return flipped if isinstance(x, Tensor) else np.ascontiguousarray(flipped)
        if not flip.any():
            return x
        return _where(flip[:, None, None, None], flipped, x)


# ---- RandomAffine --------------------------------------------------------------------------
def _sample(x, ys, xs):
    """Values of x (N, C, H, W) at integer coordinates (N, H', W') (clipped into the image)
    and the mask of coordinates that were inside it."""
    N, C, H, W = (int(s) for s in x.shape)
    valid = (ys >= 0) & (ys < H) & (xs >= 0) & (xs < W)
    yc, xc = np.clip(ys, 0, H - 1), np.clip(xs, 0, W - 1)
    got = x[np.arange(N)[:, None, None], :, yc, xc]            # (N, H', W', C)
    got = got.permute(0, 3, 1, 2) if isinstance(got, Tensor) else got.transpose(0, 3, 1, 2)
    return got, valid[:, None]


class RandomAffine(RandomTransform):
    """Random rotation about the image centre and translation.

    The angle is drawn from ``U(-degrees, degrees)`` (or ``U(degrees[0], degrees[1])``),
    positive = counter-clockwise as displayed (torchvision's convention); with
    ``translate = (a, b)`` the shifts are ``tx ~ U(-a W, a W)`` and ``ty ~ U(-b H, b H)``
    pixels, rounded to integers. Each output pixel ``p`` reads the input at the inverse map
    ``src = R(theta) (p - c - t) + c`` with ``c = ((W - 1) / 2, (H - 1) / 2)`` and
    ``R(theta) = [[cos, -sin], [sin, cos]]`` acting on (x, y): nearest neighbour
    (``interpolation="nearest"``) or bilinear weights of the 4 neighbours; pixels from
    outside the input read ``fill``. ``degrees=0`` and no translation is the identity.

        >>> import numpy as np, ember
        >>> img = np.arange(9.0).reshape(1, 3, 3)
        >>> RandomAffine((90, 90))(img)[0].tolist()      # a quarter turn counter-clockwise
        [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]
    """

    _repr_fields = ("degrees", "translate", "interpolation", "fill")

    def __init__(self, degrees, translate=None, interpolation="nearest", fill=0, generator=None):
        super().__init__(generator)
        if isinstance(degrees, numbers.Real):
            if degrees < 0 or not math.isfinite(degrees):
                raise ValueError(f"RandomAffine: degrees={degrees!r} must be a non-negative number or a "
                                 f"pair (min, max)")
            degrees = (-float(degrees), float(degrees))
        self.degrees = _range(degrees, "RandomAffine", "degrees")
        if translate is not None:
            try:
                t = tuple(float(v) for v in translate)
            except (TypeError, ValueError):
                t = ()
            if len(t) != 2 or not all(0 <= v <= 1 for v in t):
                raise ValueError(f"RandomAffine: translate={translate!r} must be a pair (a, b) of "
                                 f"fractions in [0, 1] (maximal horizontal and vertical shift)")
            translate = t
        self.translate = translate
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"RandomAffine: interpolation={interpolation!r} must be 'nearest' or 'bilinear'")
        self.interpolation, self.fill = interpolation, fill

    def get_params(self, n, height, width):
        """Angles in degrees and integer shifts (tx, ty) for ``n`` images."""
        r = self.rng
        angle = r.uniform(self.degrees[0], self.degrees[1], size=n)
        if self.translate is None:
            tx = ty = np.zeros(n)
        else:
            mx, my = self.translate[0] * width, self.translate[1] * height
            tx = np.rint(r.uniform(-mx, mx, size=n))
            ty = np.rint(r.uniform(-my, my, size=n))
        return angle, tx, ty

    def __call__(self, x):
        batched, shape = _check_image(x, "RandomAffine")
        xb = x if batched else _batched(x)
        N, C, H, W = (int(s) for s in xb.shape)
        angle, tx, ty = self.get_params(N, H, W)
        th = np.deg2rad(angle)[:, None, None]
        cos, sin = np.cos(th), np.sin(th)
        cx, cy = (W - 1) / 2.0, (H - 1) / 2.0
        gy, gx = np.meshgrid(np.arange(H, dtype=np.float64), np.arange(W, dtype=np.float64), indexing="ij")
        dx = gx[None] - cx - tx[:, None, None]
        dy = gy[None] - cy - ty[:, None, None]
        sx = cos * dx - sin * dy + cx
        sy = sin * dx + cos * dy + cy
        is_tensor = isinstance(xb, Tensor)
        if self.interpolation == "nearest":
            got, valid = _sample(xb, np.floor(sy + 0.5).astype(np.int64), np.floor(sx + 0.5).astype(np.int64))
            out = _where(valid, got, _full_like(got, self.fill))
        else:
            x0, y0 = np.floor(sx), np.floor(sy)
            fx, fy = sx - x0, sy - y0
            x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
            work = xb if is_tensor or xb.dtype.kind == "f" else xb.astype(get_default_dtype())
            dt = work.dtype
            out = None
            for oy, ox, wgt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx),
                                (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
                got, valid = _sample(work, y0 + oy, x0 + ox)
                val = _where(valid, got, _full_like(got, self.fill))
                w_ = wgt[:, None].astype(dt)
                term = val * (_wrap(w_) if is_tensor else w_)
                out = term if out is None else out + term
            if not is_tensor and xb.dtype.kind != "f":
                info = np.iinfo(xb.dtype) if xb.dtype.kind in "iu" else None
                out = np.rint(out)
                if info is not None:
                    out = np.clip(out, info.min, info.max)
                out = out.astype(xb.dtype)
        if not is_tensor:
            out = np.ascontiguousarray(out)
        return out if batched else _unbatched(out)


def _full_like(x, value):
    if isinstance(x, Tensor):
        return _wrap(np.full(tuple(x.shape), value, dtype=x.dtype))
    return np.full(x.shape, value, dtype=x.dtype)


# ---- RandomErasing -------------------------------------------------------------------------
class RandomErasing(RandomTransform):
    """With probability ``p``, overwrite a random rectangle of the image (Random Erasing,
    Zhong et al. 2017; torchvision's parameter draw).

    For each image: up to 10 attempts draw a target area ``s * H * W`` with
    ``s ~ U(scale)`` and an aspect ratio ``r = exp(U(log ratio))``, giving
    ``h = round(sqrt(s H W r))``, ``w = round(sqrt(s H W / r))``; the first attempt with
    ``h < H`` and ``w < W`` is placed at a uniform position. If none fits the image is left
    unchanged. ``value`` is a number, one number per channel, or ``"random"`` (standard
    normal noise per pixel; uniform integers in [0, 255] for integer images).

        >>> import numpy as np, ember
        >>> out = RandomErasing(p=1.0, generator=ember.Generator().manual_seed(0))(np.ones((3, 8, 8)))
        >>> bool((out == 0).any()) and out.shape == (3, 8, 8)
        True
    """

    _repr_fields = ("p", "scale", "ratio", "value")

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False,
                 generator=None):
        super().__init__(generator)
        self.p = _check_prob(p, "RandomErasing")
        self.scale = _range(scale, "RandomErasing", "scale", lo=0.0)
        if self.scale[1] > 1:
            raise ValueError(f"RandomErasing: scale={scale!r} must lie in [0, 1]")
        self.ratio = _range(ratio, "RandomErasing", "ratio")
        if self.ratio[0] <= 0:
            raise ValueError(f"RandomErasing: ratio={ratio!r} must be positive")
        if isinstance(value, str):
            if value != "random":
                raise ValueError(f"RandomErasing: value={value!r} must be a number, a sequence of "
                                 f"numbers or 'random'")
        elif not isinstance(value, numbers.Real):
            value = tuple(float(v) for v in value)
        self.value, self.inplace = value, bool(inplace)

    def get_params(self, n, height, width, attempts=10):
        """(apply, i, j, h, w) arrays for ``n`` images."""
        r = self.rng
        apply = r.random(n) < self.p
        area = height * width
        target = area * r.uniform(self.scale[0], self.scale[1], size=(n, attempts))
        log_r = r.uniform(math.log(self.ratio[0]), math.log(self.ratio[1]), size=(n, attempts))
        aspect = np.exp(log_r)
        h = np.rint(np.sqrt(target * aspect)).astype(np.int64)
        w = np.rint(np.sqrt(target / aspect)).astype(np.int64)
        ok = (h < height) & (w < width) & (h > 0) & (w > 0)
        first = ok.argmax(1)
        found = ok[np.arange(n), first]
        h, w = h[np.arange(n), first], w[np.arange(n), first]
        apply &= found
        h, w = np.where(apply, h, 0), np.where(apply, w, 0)
        i = np.floor(r.random(n) * (height - h + 1)).astype(np.int64)
        j = np.floor(r.random(n) * (width - w + 1)).astype(np.int64)
        return apply, i, j, h, w

    def __call__(self, x):
        batched, shape = _check_image(x, "RandomErasing")
        xb = x if batched else _batched(x)
        N, C, H, W = (int(s) for s in xb.shape)
        apply, i, j, h, w = self.get_params(N, H, W)
        if not apply.any():
            return x
        rows = np.arange(H)[None, :]
        cols = np.arange(W)[None, :]
        in_r = (rows >= i[:, None]) & (rows < (i + h)[:, None])
        in_c = (cols >= j[:, None]) & (cols < (j + w)[:, None])
        mask = (in_r[:, :, None] & in_c[:, None, :])[:, None]       # (N, 1, H, W)
        dt = xb.dtype
        if isinstance(self.value, str):
            if dt.kind == "f":
                v = self.rng.standard_normal((N, C, H, W)).astype(dt)
            else:     # integer images: uniform noise over [0, 255] (within the dtype's range)
                hi = min(255, int(np.iinfo(dt).max))
                v = self.rng.integers(0, hi + 1, size=(N, C, H, W)).astype(dt)
        elif isinstance(self.value, tuple):
            if len(self.value) not in (1, C):
                raise ValueError(f"RandomErasing: value has {len(self.value)} entries but the input of "
                                 f"shape {shape} has C={C} channels")
            v = np.broadcast_to(np.asarray(self.value).reshape(-1, 1, 1), (C, H, W))
        else:
            v = self.value
        if not isinstance(xb, Tensor) and self.inplace and xb.flags.writeable:
            np.copyto(xb, np.asarray(v).astype(dt, copy=False), where=mask)
            out = xb
        else:
            out = _where(mask, v, xb)
        return out if batched else _unbatched(out)
