"""Channel shuffle (channel_shuffle, ChannelShuffle) against torch: values, gradients and
second derivatives (float64) on hypothesis-drawn sizes; the ShuffleNet order; bad input errors."""
import pytest
import torch
from hypothesis import given, strategies as st

import ember
from ember.nn.functional import channel_shuffle
from ember.nn.modules.spatial import ChannelShuffle

from ._parity import check, normal as values, with_square as squared

TF = torch.nn.functional
seeds = st.integers(0, 2 ** 16)


# ---- channel shuffle -------------------------------------------------------------------------
@given(n=st.integers(1, 3), groups=st.integers(1, 4), per=st.integers(1, 4),
       rest=st.lists(st.integers(1, 3), min_size=1, max_size=2), seed=seeds)
def test_channel_shuffle_matches_torch(n, groups, per, rest, seed):
    x = values(seed, (n, groups * per, *rest))
    check(squared(lambda m, t: channel_shuffle(t, groups) if m is ember
                  else torch.nn.ChannelShuffle(groups)(t)), [x])
    check(lambda m, t: (ChannelShuffle(groups) if m is ember else torch.nn.ChannelShuffle(groups))(t), [x])


def test_channel_shuffle_order_and_errors():
    x = ember.arange(12.0).reshape(1, 12, 1, 1)
    # ShuffleNet: 3 groups of 4 -> take one channel from each group in turn
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
    assert repr(ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)"
    with pytest.raises(ValueError, match=r"channel_shuffle: groups=5 must divide the number of channels C=12 of the input of shape \(1, 12, 1, 1\)"):
        channel_shuffle(x, 5)
    with pytest.raises(ValueError, match=r"channel_shuffle: expected an input with more than 2 dims \(N, C, \*\), got shape \(2, 6\)"):
        channel_shuffle(ember.ones(2, 6), 2)
    with pytest.raises(ValueError, match=r"ChannelShuffle: groups=0 must be a positive int"):
        ChannelShuffle(0)


def test_doctests():
    import doctest
    import ember.ops.shape
    result = doctest.testmod(ember.ops.shape, verbose=False)
    assert result.attempted > 0 and result.failed == 0
