"""Claims of ``ember.lab.claims.architectures`` in fast mode: the counting claims check
their exact numbers, the training claims their verdicts and the measured numbers behind them."""
import pytest


def test_one_by_one_conv(run_fast):
    r = run_fast("one-by-one-conv")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    # 5x5 192->32 direct: 192*32*25 weights; with a 1x1 to 16 first: 192*16 + 16*32*25
    assert (n["conv5x5_params"], n["conv5x5_reduced_params"]) == (153_600, 3_072 + 12_800)
    assert n["conv5x5_macs"] == 153_600 * 28 * 28
    assert n["module_mac_saving"] > 2


def test_factorised_conv(run_fast):
    r = run_fast("factorised-conv")
    assert r.verdict == "holds", r.notes
    assert r.numbers["params"] == {"5x5": 1600, "3x3+3x3": 1152, "1x5+5x1": 640, "7x7": 3136, "3x3x3": 1728,
                                   "1x7+7x1": 896}
    assert r.numbers["receptive_field"]["1x7+7x1"] == [7, 7]


def test_depthwise_separable(run_fast):
    r = run_fast("depthwise-separable")
    assert r.verdict == "holds", r.notes
    assert r.numbers["param_ratio"] == pytest.approx(1 / 32 + 1 / 9)


def test_group_conv(run_fast):
    r = run_fast("group-conv")
    assert r.verdict == "holds", r.notes
    assert r.numbers["grouped_weights"] == [18_432, 4_608, 576]


def test_densenet_growth(run_fast):
    r = run_fast("densenet-growth")
    rows = {(row["k"], row["compression"]): row for row in r.numbers["rows"]}
    # counted parameters: growth rate 2 -> 8 multiplies them by ~11, compression 0.5 removes ~15% at k = 8
    assert {k: row["params"] for k, row in rows.items()} == {(2, 1.0): 758, (2, 0.5): 630, (8, 1.0): 8_570,
                                                             (8, 0.5): 7_290}
    ok = r.numbers["accuracy_cost_of_compression_at_largest_k"] < 0.03 and \
        rows[(8, 1.0)]["test_accuracy"] >= rows[(2, 1.0)]["test_accuracy"] - 0.02
    assert r.verdict == ("holds" if ok else "fails"), r.notes   # 100 steps make the accuracy part noisy


def test_gan_saturating_loss(run_fast):
    r = run_fast("gan-saturating-loss")
    assert r.verdict == "holds", r.notes
    assert r.numbers["mean_D_of_fakes"] < 0.1 and r.numbers["ratio"] > 5


def test_residual_depth(run_fast):
    r = run_fast("residual-depth")
    assert r.verdict == "holds", r.notes
    n = r.numbers
    assert (n["plain_shallow"]["layers"], n["plain_deep"]["layers"]) == (8, 20)
    assert n["residual_deep"]["train_loss"] < n["plain_deep"]["train_loss"]


def test_gap_vs_fc_head(run_fast):
    r = run_fast("gap-vs-fc-head")
    n = r.numbers
    # GAP + fc(32 -> 10) against flatten + fc(32*8*8 -> 256) + fc(256 -> 10)
    assert n["head_params"] == {"gap": 330, "fc": 2048 * 256 + 256 + 2570}
    ok = n["train_test_gap"]["gap"] < n["train_test_gap"]["fc"] and \
        n["test_accuracy"]["gap"] >= n["test_accuracy"]["fc"] - 0.05
    assert r.verdict == ("holds" if ok else "fails"), r.notes


def test_fine_tuning(run_fast):
    r = run_fast("fine-tuning")
    acc = r.numbers["test_accuracy"]
    assert set(acc) == {"frozen", "finetune", "scratch"} and r.numbers["labels_small"] == 10
    # with every label of digits 5-9 each method learns the task
    assert min(a["large"] for a in acc.values()) > 0.9
    ok = acc["frozen"]["small"] > acc["scratch"]["small"] + 0.05 and \
        acc["finetune"]["large"] >= acc["frozen"]["large"] - 0.01
    assert r.verdict == ("holds" if ok else "fails"), r.notes
