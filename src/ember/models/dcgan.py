"""DCGAN (Radford et al. 2015): the generator maps a noise vector z (shape (N, nz, 1, 1))
to an image with transposed 4x4 convolutions (stride 2 after the first), batch norm and
ReLU, ending in tanh; the discriminator mirrors it with strided 4x4 convolutions, batch
norm (not on its first layer) and LeakyReLU(0.2). No pooling, no fully connected layers.
At ``image_size`` 64 with ngf = ndf = 64 and nc = 3 these are PyTorch's DCGAN tutorial
networks (3,576,704 and 2,765,568 parameters, keys ``main.0`` ...); smaller powers of two
drop layers. ``sigmoid=False`` makes the discriminator return logits (for
``binary_cross_entropy_with_logits``, the numerically stable form)."""
from .. import nn
from ..nn import init
from ._common import check_input, load_weights


def _levels(image_size):
    if image_size not in (16, 32, 64, 128):
        raise ValueError(f"DCGAN: image_size={image_size!r} must be 16, 32, 64 or 128")
    return image_size.bit_length() - 4   # 16 -> 1 ... 64 -> 3 stride-2 hidden layers


def _init_dcgan(model):
    """The paper's initialisation: weights N(0, 0.02); batch-norm scale N(1, 0.02), shift 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            init.normal_(m.weight, 1.0, 0.02)
            init.zeros_(m.bias)
    return model


class Generator(nn.Module):
    def __init__(self, nz=100, ngf=64, nc=3, image_size=64):
        super().__init__()
        n = _levels(image_size)
        self.nz, self.image_size = nz, image_size
        ch = ngf * 2 ** n
        layers = [nn.ConvTranspose2d(nz, ch, 4, 1, 0, bias=False), nn.BatchNorm2d(ch), nn.ReLU()]
        for _ in range(n):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU()]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        _init_dcgan(self)

    def forward(self, z):
        if z.ndim == 2:
            z = z.reshape(z.shape[0], z.shape[1], 1, 1)
        check_input(z, "Generator", self.nz, 1)
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, nc=3, ndf=64, image_size=64, sigmoid=True):
        super().__init__()
        n = _levels(image_size)
        self.nc, self.image_size = nc, image_size
        layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
        ch = ndf
        for _ in range(n):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch * 2), nn.LeakyReLU(0.2)]
            ch *= 2
        layers.append(nn.Conv2d(ch, 1, 4, 1, 0, bias=False))
        if sigmoid:
            layers.append(nn.Sigmoid())
        self.main = nn.Sequential(*layers)
        _init_dcgan(self)

    def forward(self, x):
        check_input(x, "Discriminator", self.nc, self.image_size)
        if x.shape[2] != self.image_size or x.shape[3] != self.image_size:
            raise ValueError(f"Discriminator: expected {self.image_size}x{self.image_size} images, got shape "
                             f"{tuple(x.shape)}")
        return self.main(x).flatten()


def dcgan_generator(nz=100, ngf=64, nc=3, image_size=64, weights=None):
    """DCGAN generator: (N, nz) or (N, nz, 1, 1) noise -> (N, nc, image_size, image_size) in [-1, 1]."""
    return load_weights(Generator(nz, ngf, nc, image_size), weights)


def dcgan_discriminator(nc=3, ndf=64, image_size=64, sigmoid=True, weights=None):
    """DCGAN discriminator: (N, nc, image_size, image_size) -> (N,) probabilities (or logits)."""
    return load_weights(Discriminator(nc, ndf, image_size, sigmoid), weights)
