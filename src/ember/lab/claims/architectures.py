"""Architecture claims: what each design of the CNN zoo buys, measured on small networks.

Counting claims (one-by-one-conv, factorised-conv) build the real layers and count their
parameters and multiply-adds, and measure receptive fields by back-propagating from one
output pixel. Training claims use the 8x8 digits as (N, 1, 8, 8) images and networks small
enough to train in seconds (widths 4-32); the GAN claim uses the DCGAN of ``ember.models``
on digits upsampled to 16x16. Nothing here uses torch.
"""
import numpy as np

import ember
from ember import models, nn
from ember.lab.core import Result, claim, verdict
from ember.models.densenet import DenseNet
from ember.models.resnet import CifarResNet
from ember.train import finetune

from ._common import digits, evaluate, figure, fit, mean_std, n_params, single_thread


def _macs(model, x):
    """Multiply-adds of the convolutions and linear layers of one forward pass on ``x``
    (per sample): out_elements * (in_channels / groups) * kh * kw for a convolution."""
    total = [0]

    def hook(m, inputs, out):
        per = out.numel() // out.shape[0]
        if isinstance(m, nn.Conv2d):
            total[0] += per * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            total[0] += per * m.in_features
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with ember.no_grad():
        model.eval()(x)
    for h in handles:
        h.remove()
    return total[0]


def _trunk(width, block):
    """stem 3x3 conv (1 -> width) + BN + ReLU, then ``block`` (width -> width), GAP, fc."""
    return nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                         *block, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))


def _train_eval(model, data, steps, lr=0.01, seed=0, batch_size=64):
    Xtr, ytr, Xte, yte = data
    hist = fit(model, Xtr, ytr, "adam", lr=lr, steps=steps, batch_size=batch_size, seed=seed)
    return evaluate(model, Xtr, ytr), evaluate(model, Xte, yte), hist


def _bars(ax, labels, values, title, log=False):
    ax.bar(range(len(values)), values, color="tab:blue")
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(labels, rotation=20, fontsize=8)
    ax.set_title(title, fontsize=9)
    if log:
        ax.set_yscale("log")


# -------------------------------------------------------------------------------------------
# counting: 1x1 reductions, factorised convolutions
# -------------------------------------------------------------------------------------------

@claim(
    id="one-by-one-conv",
    topic="architectures",
    concepts=("arch.inception", "cnn.conv_1x1"),
    question="Why does Inception put 1x1 convolutions before its 3x3 and 5x5 convolutions?",
    statement="A 1x1 convolution mixes channels at each pixel; reducing the channels with it before a wide "
              "kernel cuts that branch's parameters and multiply-adds several-fold for the same output.",
    source="note 001 Q8 (GoogLeNet), note 002 (1x1 convolution)",
    method="Build GoogLeNet's inception 3a module (192 channels in, 28x28) with and without its 1x1 "
           "reductions (ember.models.googlenet.Inception and the same branches without the 1x1 before the "
           "3x3 and 5x5), count parameters and multiply-adds of a forward pass on a 28x28 input.",
)
@single_thread()
def one_by_one_conv(seed, fast):
    from ember.models.googlenet import Inception
    from ember.models._common import BasicConv2d
    ember.manual_seed(seed)
    reduced = Inception(192, 64, 96, 128, 16, 32, 32)
    reduced.branch3.add_module("1", BasicConv2d(16, 32, 5, padding=2))   # the paper's 5x5 (torchvision: 3x3)
    naive = Inception(192, 64, 96, 128, 16, 32, 32)
    naive.branch2 = BasicConv2d(192, 128, 3, padding=1)       # no 1x1 reduction before the 3x3
    naive.branch3 = BasicConv2d(192, 32, 5, padding=2)        # nor before the 5x5
    five = nn.Conv2d(192, 32, 5, padding=2, bias=False)       # the paper's 5x5, direct
    five_red = nn.Sequential(nn.Conv2d(192, 16, 1, bias=False), nn.Conv2d(16, 32, 5, padding=2, bias=False))
    x = ember.randn(1, 192, 28, 28)
    num = {"inception3a_params": n_params(reduced), "naive_params": n_params(naive),
           "inception3a_macs": _macs(reduced, x), "naive_macs": _macs(naive, x),
           "conv5x5_params": n_params(five), "conv5x5_reduced_params": n_params(five_red),
           "conv5x5_macs": _macs(five, x), "conv5x5_reduced_macs": _macs(five_red, x)}
    num["module_param_saving"] = num["naive_params"] / num["inception3a_params"]
    num["module_mac_saving"] = num["naive_macs"] / num["inception3a_macs"]
    num["conv5x5_mac_saving"] = num["conv5x5_macs"] / num["conv5x5_reduced_macs"]
    # the output width is the same, so the saving is all in the cost
    with ember.no_grad():
        same_shape = tuple(reduced.eval()(x).shape) == tuple(naive.eval()(x).shape)
    ok = same_shape and num["module_mac_saving"] > 2 and num["conv5x5_mac_saving"] > 5
    criterion = ("with the same output shape, the 1x1 reductions cut inception 3a's multiply-adds by more than 2x "
                 "and a 192->32 5x5 convolution's by more than 5x")
    notes = (f"inception 3a: {num['inception3a_params']:,} vs {num['naive_params']:,} parameters, "
             f"{num['inception3a_macs'] / 1e6:.0f}M vs {num['naive_macs'] / 1e6:.0f}M multiply-adds "
             f"({num['module_mac_saving']:.1f}x); 5x5 branch {num['conv5x5_mac_saving']:.1f}x.")
    fig, ax = figure(ncols=2)
    _bars(ax[0], ["3a with 1x1", "3a naive"], [num["inception3a_macs"] / 1e6, num["naive_macs"] / 1e6],
          "multiply-adds (M) per 28x28 input")
    _bars(ax[1], ["1x1 -> 5x5", "5x5"], [num["conv5x5_reduced_macs"] / 1e6, num["conv5x5_macs"] / 1e6],
          "192 -> 32 channels, 5x5")
    return Result(verdict(ok), criterion, num, {"costs": fig}, notes)


def _receptive_field(layer, channels, size=15):
    """Height and width of the input region that reaches the centre output pixel (measured
    from the gradient of that pixel with respect to the input)."""
    x = ember.randn(1, channels, size, size, requires_grad=True)
    out = layer(x)
    c = size // 2
    out[0, :, c, c].sum().backward()
    g = np.abs(x.grad.numpy()[0]).sum(0) > 0
    rows, cols = np.flatnonzero(g.any(1)), np.flatnonzero(g.any(0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


@claim(
    id="factorised-conv",
    topic="architectures",
    concepts=("arch.inception",),
    question="Why do Inception v2/v3 replace a 5x5 convolution by two 3x3, and an nxn by 1xn followed by nx1?",
    statement="Two stacked 3x3 convolutions see the same 5x5 field as one 5x5 with 18/25 of the weights; "
              "a 1xn followed by an nx1 sees nxn with 2/n of the weights.",
    source="note 001 Q8 (Inception v2/v3)",
    method="Build C->C convolutions (C=8, no bias): 5x5, 3x3+3x3, 1x5+5x1, 7x7, 1x7+7x1, three 3x3; count "
           "parameters and measure the receptive field of the centre output pixel by back-propagation.",
)
@single_thread()
def factorised_conv(seed, fast):
    ember.manual_seed(seed)
    C = 8

    def conv(kh, kw):
        return nn.Conv2d(C, C, (kh, kw), padding=(kh // 2, kw // 2), bias=False)
    layers = {"5x5": conv(5, 5), "3x3+3x3": nn.Sequential(conv(3, 3), conv(3, 3)),
              "1x5+5x1": nn.Sequential(conv(1, 5), conv(5, 1)), "7x7": conv(7, 7),
              "3x3x3": nn.Sequential(conv(3, 3), conv(3, 3), conv(3, 3)),
              "1x7+7x1": nn.Sequential(conv(1, 7), conv(7, 1))}
    params = {k: n_params(v) for k, v in layers.items()}
    fields = {k: _receptive_field(v, C) for k, v in layers.items()}
    num = {"params": params, "receptive_field": {k: list(v) for k, v in fields.items()},
           "ratio_3x3x2_over_5x5": params["3x3+3x3"] / params["5x5"],
           "ratio_1x5_5x1_over_5x5": params["1x5+5x1"] / params["5x5"],
           "ratio_1x7_7x1_over_7x7": params["1x7+7x1"] / params["7x7"]}
    ok = (fields["3x3+3x3"] == fields["1x5+5x1"] == fields["5x5"] == (5, 5)
          and fields["3x3x3"] == fields["1x7+7x1"] == fields["7x7"] == (7, 7)
          and abs(num["ratio_3x3x2_over_5x5"] - 18 / 25) < 1e-12 and abs(num["ratio_1x7_7x1_over_7x7"] - 2 / 7) < 1e-12)
    criterion = ("two 3x3 and 1x5+5x1 have the 5x5 receptive field, three 3x3 and 1x7+7x1 the 7x7 one, measured; "
                 "parameter ratios 18/25 (two 3x3 vs 5x5) and 2/7 (1x7+7x1 vs 7x7) exactly")
    notes = ", ".join(f"{k}: {params[k]} weights, field {fields[k][0]}x{fields[k][1]}" for k in layers)
    fig, ax = figure()
    _bars(ax, list(layers), [params[k] for k in layers], "weights (C=8 -> 8); labels give the factorisation")
    return Result(verdict(ok), criterion, num, {"parameters": fig}, notes)


# -------------------------------------------------------------------------------------------
# cheaper convolutions: depthwise separable, grouped
# -------------------------------------------------------------------------------------------

def _digit_images(seed, fast):
    return digits(seed, n_train=600 if fast else None, images=True)


@claim(
    id="depthwise-separable",
    topic="architectures",
    concepts=("arch.xception", "cnn.depthwise"),
    question="What do depthwise separable convolutions (Xception, MobileNet) save?",
    statement="A kxk depthwise convolution followed by a 1x1 pointwise one costs k^2 C + C C' weights and "
              "multiply-adds per pixel instead of k^2 C C' (a ratio of 1/C' + 1/k^2), at about the same accuracy.",
    source="note 002 (Xception, MobileNet: depthwise separable convolution)",
    method="Two digit classifiers with the same stem (3x3 conv 1->C), two 3x3 C->C blocks (standard, or "
           "depthwise + pointwise, each with BN and ReLU), global average pool and fc (C=32); count "
           "the blocks' parameters and multiply-adds, train both with Adam and compare test accuracy.",
)
@single_thread()
def depthwise_separable(seed, fast):
    w, steps = 32, (120 if fast else 400)
    data = _digit_images(seed, fast)

    def block(separable):
        conv = ([nn.Conv2d(w, w, 3, padding=1, groups=w, bias=False), nn.Conv2d(w, w, 1, bias=False)]
                if separable else [nn.Conv2d(w, w, 3, padding=1, bias=False)])
        return conv + [nn.BatchNorm2d(w), nn.ReLU()]
    res = {}
    for name, sep in (("standard", False), ("separable", True)):
        ember.manual_seed(seed)
        body = block(sep) + block(sep)
        net = _trunk(w, body)
        convs = nn.Sequential(*[m for m in body if isinstance(m, nn.Conv2d)])
        x = ember.zeros(1, w, 8, 8)
        _, te, _ = _train_eval(net, data, steps, seed=seed)
        res[name] = {"block_params": n_params(convs), "block_macs": _macs(convs, x), "test_accuracy": te.accuracy}
    ratio = res["separable"]["block_params"] / res["standard"]["block_params"]
    acc_drop = res["standard"]["test_accuracy"] - res["separable"]["test_accuracy"]
    num = {**res, "param_ratio": ratio, "predicted_ratio": 1 / w + 1 / 9, "accuracy_drop": acc_drop,
           "steps": steps}
    ok = abs(ratio - (1 / w + 1 / 9)) < 1e-9 and ratio < 0.2 and acc_drop < 0.05
    criterion = ("the separable blocks have exactly 1/C' + 1/9 of the standard blocks' weights (< 0.2) and test "
                 "accuracy within 5 points of the standard network's")
    notes = (f"weights {res['separable']['block_params']} vs {res['standard']['block_params']} ({ratio:.3f}); "
             f"accuracy {res['separable']['test_accuracy']:.3f} vs {res['standard']['test_accuracy']:.3f}.")
    fig, ax = figure(ncols=2)
    _bars(ax[0], list(res), [r["block_macs"] for r in res.values()], "multiply-adds of the two blocks (8x8)")
    _bars(ax[1], list(res), [r["test_accuracy"] for r in res.values()], "test accuracy")
    return Result(verdict(ok), criterion, num, {"cost-and-accuracy": fig}, notes)


@claim(
    id="group-conv",
    topic="architectures",
    concepts=("arch.resnext", "arch.shufflenet", "cnn.group_conv"),
    question="What does a grouped convolution (AlexNet, ResNeXt, ShuffleNet) trade?",
    statement="Splitting a convolution's channels into g groups divides its weights and multiply-adds by g; "
              "accuracy falls only slowly with g while channels still mix elsewhere (1x1 layers or a shuffle).",
    source="note 002 (group convolution, ResNeXt cardinality, ShuffleNet)",
    method="Digit classifiers: stem 3x3 1->C, two blocks of [3x3 C->C conv with g groups, channel shuffle, "
           "1x1 C->C conv, BN, ReLU], GAP, fc, for g in 1, 2, 4, 8, 16, 32 with C=32 (fast: g in 1, 4, 32); "
           "count the grouped convolutions' weights and train each network with Adam.",
)
@single_thread()
def group_conv(seed, fast):
    w, steps = 32, (80 if fast else 400)
    data = _digit_images(seed, fast)
    gs = (1, 4, 32) if fast else (1, 2, 4, 8, 16, 32)
    res = {}
    for g in gs:
        ember.manual_seed(seed)
        grouped = [nn.Conv2d(w, w, 3, padding=1, groups=g, bias=False) for _ in range(2)]
        body = []
        for conv in grouped:
            body += [conv, nn.ChannelShuffle(g), nn.Conv2d(w, w, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
        net = _trunk(w, body)
        _, te, _ = _train_eval(net, data, steps, seed=seed)
        res[g] = {"grouped_weights": sum(n_params(c) for c in grouped), "test_accuracy": te.accuracy}
    base = res[1]["grouped_weights"]
    exact = all(r["grouped_weights"] * g == base for g, r in res.items())
    drop4 = res[1]["test_accuracy"] - res[4]["test_accuracy"]
    num = {"groups": list(gs), "grouped_weights": [res[g]["grouped_weights"] for g in gs],
           "test_accuracy": [res[g]["test_accuracy"] for g in gs], "accuracy_drop_g4": drop4, "steps": steps}
    ok = exact and drop4 < 0.05
    criterion = "the grouped convolutions' weights are exactly 1/g of g=1's, and g=4 loses under 5 accuracy points"
    notes = "; ".join(f"g={g}: {res[g]['grouped_weights']} weights, accuracy {res[g]['test_accuracy']:.3f}" for g in gs)
    fig, ax = figure(ncols=2)
    ax[0].loglog(gs, num["grouped_weights"], "o-", base=2)
    ax[0].set_xlabel("groups g")
    ax[0].set_title("weights of the grouped 3x3 convs", fontsize=9)
    ax[1].semilogx(gs, num["test_accuracy"], "o-", base=2)
    ax[1].set_xlabel("groups g")
    ax[1].set_title("test accuracy", fontsize=9)
    return Result(verdict(ok), criterion, num, {"groups": fig}, notes)


@claim(
    id="gap-vs-fc-head",
    topic="architectures",
    concepts=("cnn.gap", "arch.inception"),
    question="Why do GoogLeNet and ResNet end in global average pooling instead of fully connected layers?",
    statement="A global-average-pooling head has C x classes weights instead of C H W x hidden + hidden x "
              "classes, and with far fewer parameters it overfits a small training set less.",
    source="note 001 Q8 (GoogLeNet: average pooling replaces the fully connected layers), note 004 (GAP)",
    method="The same two-conv trunk (1->16->32 channels, 8x8 maps) with a GAP + fc head or a flatten + fc(256) "
           "+ fc head (conv-BN-ReLU trunk), trained with Adam on 200 digits (fast: 150), 3 seeds (fast: 1); "
           "compare head parameters, "
           "train-test accuracy gap and test accuracy.",
)
@single_thread()
def gap_vs_fc_head(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(3)]
    steps = 100 if fast else 400
    res = {"gap": [], "fc": []}
    heads = {}
    for s in seeds:
        data = digits(s, n_train=150 if fast else 200, images=True)
        for kind in res:
            ember.manual_seed(s)
            head = ([nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10)] if kind == "gap" else
                    [nn.Flatten(), nn.Linear(32 * 64, 256), nn.ReLU(), nn.Linear(256, 10)])
            net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), *head)
            heads[kind] = n_params(nn.Sequential(*head))
            tr, te, _ = _train_eval(net, data, steps, lr=1e-2, seed=s)
            res[kind].append((tr.accuracy - te.accuracy, te.accuracy))
    gap_gap, fc_gap = (mean_std([r[0] for r in res[k]])[0] for k in ("gap", "fc"))
    gap_acc, fc_acc = (mean_std([r[1] for r in res[k]])[0] for k in ("gap", "fc"))
    num = {"head_params": heads, "train_test_gap": {"gap": gap_gap, "fc": fc_gap},
           "test_accuracy": {"gap": gap_acc, "fc": fc_acc}, "seeds": len(seeds), "steps": steps}
    ok = heads["fc"] > 100 * heads["gap"] and gap_gap < fc_gap and gap_acc >= fc_acc - 0.05
    criterion = ("the GAP head has over 100x fewer weights, a smaller train-test accuracy gap and a test accuracy "
                 "within 5 points of the fc head's or better (means over seeds)")
    notes = (f"head weights {heads['gap']} vs {heads['fc']:,}; train-test gap {gap_gap:.3f} vs {fc_gap:.3f}; "
             f"test accuracy {gap_acc:.3f} vs {fc_acc:.3f}.")
    fig, ax = figure(ncols=2)
    _bars(ax[0], ["GAP + fc", "flatten + fc"], [heads["gap"], heads["fc"]], "head weights", log=True)
    _bars(ax[1], ["GAP + fc", "flatten + fc"], [gap_gap, fc_gap], "train - test accuracy")
    return Result(verdict(ok), criterion, num, {"heads": fig}, notes)


# -------------------------------------------------------------------------------------------
# dense connections, residual depth
# -------------------------------------------------------------------------------------------

@claim(
    id="densenet-growth",
    topic="architectures",
    concepts=("arch.densenet",),
    question="What do DenseNet's growth rate and compression control?",
    statement="Each dense layer adds k (growth rate) feature maps, so parameters grow roughly with k^2 while "
              "accuracy saturates at small k; compression theta < 1 in the transitions cuts parameters at "
              "little cost in accuracy.",
    source="note 002 and note 004 (DenseNet: growth rate, bottleneck, transition layer, compression; DenseNet-BC)",
    method="DenseNet-BC on 8x8 digits (3x3 stem of 2k maps, two dense blocks of 3 bottleneck layers (fast: 2), "
           "bn_size 2), growth rate k in 2, 4, 8, 12 (fast: 2, 8) and compression 1.0 / 0.5; count parameters, "
           "train with Adam, compare test accuracy.",
)
@single_thread()
def densenet_growth(seed, fast):
    ks = (2, 8) if fast else (2, 4, 8, 12)
    steps = 40 if fast else 400
    blocks = (2, 2) if fast else (3, 3)
    data = _digit_images(seed, fast)
    rows = []
    for k in ks:
        for theta in (1.0, 0.5):
            ember.manual_seed(seed)
            net = DenseNet(k, blocks, 2 * k, bn_size=2, num_classes=10, in_channels=1, compression=theta,
                           small_inputs=True)
            _, te, _ = _train_eval(net, data, steps, seed=seed)
            rows.append({"k": k, "compression": theta, "params": n_params(net), "test_accuracy": te.accuracy})
    by = {(r["k"], r["compression"]): r for r in rows}
    grows = all(by[(a, 1.0)]["params"] < by[(b, 1.0)]["params"] for a, b in zip(ks, ks[1:]))
    superlinear = by[(ks[-1], 1.0)]["params"] / by[(ks[0], 1.0)]["params"] > ks[-1] / ks[0]
    compresses = all(by[(k, 0.5)]["params"] < by[(k, 1.0)]["params"] for k in ks)
    comp_cost = by[(ks[-1], 1.0)]["test_accuracy"] - by[(ks[-1], 0.5)]["test_accuracy"]
    num = {"rows": rows, "param_growth_ratio": by[(ks[-1], 1.0)]["params"] / by[(ks[0], 1.0)]["params"],
           "accuracy_cost_of_compression_at_largest_k": comp_cost, "steps": steps}
    ok = grows and superlinear and compresses and comp_cost < 0.03 and \
        by[(ks[-1], 1.0)]["test_accuracy"] >= by[(ks[0], 1.0)]["test_accuracy"] - 0.02
    criterion = ("parameters rise faster than k, compression 0.5 lowers them at every k and costs under 3 "
                 "accuracy points at the largest k, and the largest k is at least as accurate (within 2 points) "
                 "as the smallest")
    notes = "; ".join(f"k={r['k']} theta={r['compression']}: {r['params']:,} params, acc {r['test_accuracy']:.3f}"
                      for r in rows)
    fig, ax = figure(ncols=2)
    for theta, style in ((1.0, "o-"), (0.5, "s--")):
        ax[0].plot(ks, [by[(k, theta)]["params"] for k in ks], style, label=f"theta={theta}")
        ax[1].plot(ks, [by[(k, theta)]["test_accuracy"] for k in ks], style, label=f"theta={theta}")
    ax[0].set_title("parameters", fontsize=9)
    ax[1].set_title("test accuracy", fontsize=9)
    for a in ax:
        a.set_xlabel("growth rate k")
        a.legend(fontsize=8)
    return Result(verdict(ok), criterion, num, {"growth": fig}, notes)


@claim(
    id="residual-depth",
    topic="architectures",
    concepts=("claim.residual", "arch.resnet"),
    question="Why does a deeper plain network often train worse, and how do residual connections help?",
    statement="Stacking more plain conv-BN-ReLU layers raises the training error (the degradation problem, "
              "not overfitting); the same deep network with identity shortcuts trains at least as well as the "
              "shallow one.",
    source="note 003 section 7 (why very deep networks stop learning), note 004 (ResNet)",
    method="CIFAR-style ResNets (ember.models.resnet20's layout, widths 8/16/32) on 8x8 digits: plain with "
           "n=3 and n=9 blocks per stage (the paper's 20 and 56 layers; fast mode: 8 and 20 layers), and the "
           "deep one with shortcuts; the same SGD (momentum 0.9) steps; training loss and accuracy at the end.",
)
@single_thread()
def residual_depth(seed, fast):
    n_shallow, n_deep = (1, 3) if fast else (3, 9)
    steps = 60 if fast else 600
    Xtr, ytr, Xte, yte = digits(seed, n_train=256 if fast else None, images=True)
    runs = {}
    for name, n, residual in (("plain_shallow", n_shallow, False), ("plain_deep", n_deep, False),
                              ("residual_deep", n_deep, True)):
        ember.manual_seed(seed)
        net = CifarResNet(n, 10, 1, residual=residual, widths=(8, 16, 32))
        hist = fit(net, Xtr, ytr, "sgd", lr=0.05, momentum=0.9, steps=steps, batch_size=64, seed=seed)
        tr = evaluate(net, Xtr, ytr)
        runs[name] = {"layers": 6 * n + 2, "train_loss": tr.loss, "train_error": 1 - tr.accuracy,
                      "test_error": 1 - evaluate(net, Xte, yte).accuracy, "curve": hist["loss"]}
    ps, pd, rd = runs["plain_shallow"], runs["plain_deep"], runs["residual_deep"]
    ok = pd["train_loss"] > ps["train_loss"] and rd["train_loss"] < pd["train_loss"] and \
        rd["train_loss"] <= ps["train_loss"] * 1.5
    num = {k: {kk: vv for kk, vv in v.items() if kk != "curve"} for k, v in runs.items()}
    num["steps"] = steps
    criterion = ("after the same steps the deep plain net has a higher training loss than the shallow plain net, "
                 "and the deep residual net a lower one than the deep plain net, within 1.5x of the shallow one")
    notes = "; ".join(f"{k} ({v['layers']} layers): train loss {v['train_loss']:.3f}, train error "
                      f"{v['train_error']:.3f}" for k, v in runs.items())
    fig, ax = figure()
    for k, v in runs.items():
        curve = np.convolve(v["curve"], np.ones(10) / 10, mode="valid")
        ax.plot(curve, label=f"{k} ({v['layers']} layers)")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (10-step mean)")
    ax.legend(fontsize=8)
    return Result(verdict(ok), criterion, num, {"training": fig}, notes)


# -------------------------------------------------------------------------------------------
# fine-tuning, GAN losses
# -------------------------------------------------------------------------------------------

def _small_cnn():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                         nn.Flatten(), nn.Linear(32 * 16, 5))


@claim(
    id="fine-tuning",
    topic="architectures",
    concepts=("arch.finetune",),
    question="How should a pretrained network be fine-tuned for a new task?",
    statement="With a small new data set, a pretrained network used as a frozen feature extractor (only a new "
              "head trained) beats training from scratch; with a large one, fine-tuning the whole network "
              "catches up with or passes the frozen features (the notes' small/large cases).",
    source="note 000 1.8, note 001 Q16 (fine-tune choices), note 003 (transfer learning)",
    method="Pretrain a small CNN on digits 0-4; transfer to digits 5-9 with 2 labels per class (small) and with "
           "all ~670 (large): new head on frozen features (BN frozen too), whole network fine-tuned with a 3x "
           "smaller learning rate, and the same network from scratch; test accuracy on 5-9 (full mode: 3 seeds).",
)
@single_thread()
def fine_tuning(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(3)]
    pre_steps, steps = (100, 50) if fast else (500, 250)
    res = {m: {"small": [], "large": []} for m in ("frozen", "finetune", "scratch")}
    for s in seeds:
        Xtr, ytr, Xte, yte = digits(s, images=True, tensors=False)
        src, tgt, tgt_te = ytr < 5, ytr >= 5, yte >= 5
        ember.manual_seed(s)
        pre = _small_cnn()
        fit(pre, Xtr[src], ytr[src], "adam", lr=3e-3, steps=pre_steps, batch_size=64, seed=s)
        rng = np.random.default_rng(s)
        idx_all = np.flatnonzero(tgt)
        small = np.concatenate([rng.choice(np.flatnonzero(ytr == c), 2, replace=False) for c in range(5, 10)])
        for size, idx in (("small", small), ("large", idx_all)):
            X, y = Xtr[idx], ytr[idx] - 5
            for method in res:
                ember.manual_seed(s + 1)
                net = _small_cnn()
                lr = 3e-3
                if method != "scratch":
                    net.load_state_dict(pre.state_dict())
                    finetune.replace_head(net, 5)
                    if method == "frozen":
                        finetune.freeze(net, [n for n, _ in net.named_parameters() if not n.startswith("11.")])
                    else:
                        lr = 1e-3
                fit(net, X, y, "adam", lr=lr, steps=steps, batch_size=min(64, len(y)), seed=s)
                res[method][size].append(evaluate(net, Xte[tgt_te], yte[tgt_te] - 5).accuracy)
    acc = {m: {k: mean_std(v)[0] for k, v in d.items()} for m, d in res.items()}
    ok = acc["frozen"]["small"] > acc["scratch"]["small"] + 0.05 and \
        acc["finetune"]["large"] >= acc["frozen"]["large"] - 0.01
    num = {"test_accuracy": acc, "labels_small": 10, "labels_large": int(tgt.sum()),
           "seeds": len(seeds), "pretrain_steps": pre_steps, "steps": steps}
    criterion = ("with 2 labels per class, frozen pretrained features beat training from scratch by more than 5 "
                 "points; with all labels, full fine-tuning is within 1 point of the frozen features or better")
    notes = "; ".join(f"{m}: small {a['small']:.3f}, large {a['large']:.3f}" for m, a in acc.items())
    fig, ax = figure()
    xs = np.arange(2)
    for i, m in enumerate(acc):
        ax.bar(xs + (i - 1) * 0.27, [acc[m]["small"], acc[m]["large"]], 0.27, label=m)
    ax.set_xticks(xs)
    ax.set_xticklabels(["2 labels / class", "all labels"])
    ax.set_ylabel("test accuracy on digits 5-9")
    ax.legend(fontsize=8)
    return Result(verdict(ok), criterion, num, {"transfer": fig}, notes)


@claim(
    id="gan-saturating-loss",
    topic="architectures",
    concepts=("arch.gan",),
    question="Why do GANs train the generator with -log D(G(z)) instead of minimising log(1 - D(G(z)))?",
    statement="Early in training the discriminator rejects the generator's samples with confidence; the minimax "
              "loss log(1 - D(G(z))) then saturates and gives the generator almost no gradient, while the "
              "non-saturating loss -log D(G(z)) has the same fixed point and a strong gradient.",
    source="note 003 section 4 (GAN; the section is a heading only, so this is Goodfellow et al. 2014's point)",
    method="A 16x16 DCGAN (ember.models.dcgan_generator / dcgan_discriminator, width 16) on digits: train only "
           "the discriminator on real vs generated digits until it rejects the fakes (mean D(G(z)) < 0.1), then "
           "measure the generator's gradient norm under both losses on the same noise batch.",
)
@single_thread()
def gan_saturating_loss(seed, fast):
    import ember.nn.functional as F
    from ember.models.tasks import digits_16
    ember.manual_seed(seed)
    X = digits_16("train", seed)[0]
    G = models.dcgan_generator(nz=16, ngf=16, nc=1, image_size=16)
    D = models.dcgan_discriminator(nc=1, ndf=16, image_size=16, sigmoid=False)
    opt = ember.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    rng = np.random.default_rng(seed)
    d_fake, steps = 1.0, 0
    while d_fake > 0.1 and steps < 200:
        real = ember.tensor(X[rng.choice(len(X), 64, replace=False)])
        with ember.no_grad():
            fake = G(ember.randn(64, 16))
        opt.zero_grad()
        out_fake = D(fake)
        loss = F.binary_cross_entropy_with_logits(D(real), ember.ones(64)) + \
            F.binary_cross_entropy_with_logits(out_fake, ember.zeros(64))
        loss.backward()
        opt.step()
        d_fake, steps = float(out_fake.sigmoid().mean()), steps + 1
    z = ember.randn(128, 16)
    norms = {}
    for name in ("saturating", "non_saturating"):
        G.zero_grad()
        D.zero_grad()
        logits = D(G(z))   # both in train mode, as in the generator step of GAN training
        loss = (-F.binary_cross_entropy_with_logits(logits, ember.zeros(128)) if name == "saturating"
                else F.binary_cross_entropy_with_logits(logits, ember.ones(128)))
        loss.backward()
        norms[name] = float(np.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in G.parameters())))
        d_now = float(logits.sigmoid().mean())
    ratio = norms["non_saturating"] / max(norms["saturating"], 1e-30)
    num = {"discriminator_steps": steps, "mean_D_of_fakes": d_now, "grad_norm": norms, "ratio": ratio,
           "predicted_ratio_per_sample": "(1 - D) / D: about 1 / D when D is small"}
    ok = d_now < 0.1 and ratio > 5
    criterion = ("once the discriminator rejects the fakes (mean D(G(z)) < 0.1), the non-saturating loss gives the "
                 "generator a gradient more than 5x larger than the minimax loss")
    notes = (f"after {steps} discriminator steps mean D(G(z)) = {d_now:.3f}; generator gradient norm "
             f"{norms['non_saturating']:.3g} (non-saturating) vs {norms['saturating']:.3g} (minimax), {ratio:.1f}x.")
    fig, ax = figure(ncols=2)
    d = np.linspace(0.001, 0.999, 200)
    ax[0].plot(d, np.log(1 - d), label="log(1 - D)  (minimise)")
    ax[0].plot(d, -np.log(d), label="-log D  (minimise)")
    ax[0].axvline(d_now, color="gray", ls=":")
    ax[0].set_xlabel("D(G(z))")
    ax[0].legend(fontsize=8)
    _bars(ax[1], ["minimax", "non-saturating"], [norms["saturating"], norms["non_saturating"]],
          "generator gradient norm", log=True)
    return Result(verdict(ok), criterion, num, {"losses": fig}, notes)
