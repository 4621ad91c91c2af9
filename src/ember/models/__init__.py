"""The architecture zoo, with torchvision-like constructors, and a name registry for the CLI."""
from .mlp import mlp, MLP  # noqa: F401
from .lenet import lenet5, LeNet5  # noqa: F401
from .alexnet import alexnet, alexnet_small, AlexNet  # noqa: F401
from .vgg import (vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn,  # noqa: F401
                  vgg_small, VGG)
from .resnet import (resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d,  # noqa: F401
                     resnext101_32x8d, wide_resnet50_2, resnet20, resnet56, ResNet, CifarResNet)
from .mobilenet import mobilenet_v2, MobileNetV2  # noqa: F401
from .densenet import densenet121, densenet161, densenet169, densenet201, densenet_bc_100_12, DenseNet  # noqa: F401
from .googlenet import googlenet, GoogLeNet, GoogLeNetOutputs  # noqa: F401
from .inception import inception_v3, Inception3, InceptionOutputs, InceptionV2Block  # noqa: F401
from .shufflenet import (shufflenet_v1, shufflenet_v2_x0_5, shufflenet_v2_x1_0,  # noqa: F401
                         ShuffleNetV1, ShuffleNetV2)
from .preact_resnet import preact_resnet18, preact_resnet34, preact_resnet50, PreActResNet  # noqa: F401
from .xception import xception, Xception  # noqa: F401
from .dpn import dpn68, dpn92, DPN  # noqa: F401
from .unet import unet, unet_small, UNet  # noqa: F401
from .dcgan import dcgan_generator, dcgan_discriminator  # noqa: F401
from .convert import convert_torch_checkpoint  # noqa: F401

_REGISTRY = {"mlp": mlp, "lenet5": lenet5, "alexnet": alexnet, "alexnet_small": alexnet_small,
             "vgg11": vgg11, "vgg11_bn": vgg11_bn, "vgg13": vgg13, "vgg13_bn": vgg13_bn, "vgg16": vgg16,
             "vgg16_bn": vgg16_bn, "vgg19": vgg19, "vgg19_bn": vgg19_bn, "vgg_small": vgg_small}
_REGISTRY.update({f.__name__: f for f in (
    resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, resnext101_32x8d, wide_resnet50_2,
    resnet20, resnet56, mobilenet_v2, densenet121, densenet161, densenet169, densenet201, densenet_bc_100_12,
    googlenet, inception_v3, shufflenet_v1, shufflenet_v2_x0_5, shufflenet_v2_x1_0, preact_resnet18,
    preact_resnet34, preact_resnet50, xception, dpn68, dpn92, unet, unet_small, dcgan_generator,
    dcgan_discriminator)})


def register(name, constructor):
    """Make a constructor available to ``ember train --model NAME``."""
    _REGISTRY[name] = constructor


def get_model(name, **kwargs):
    """Build a registered model by name; an unknown name lists the valid ones."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](**kwargs)


def available_models():
    return sorted(_REGISTRY)
