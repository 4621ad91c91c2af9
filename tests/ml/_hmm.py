"""The inference parity every HMM test makes against hmmlearn."""
import numpy as np


def assert_same_inference(ours, ref, X, lengths, post_atol=1e-10):
    """Log-likelihood, posteriors and the Viterbi path of ``ours`` equal hmmlearn's ``ref``;
    returns hmmlearn's posteriors and path."""
    lp, post = ours.score_samples(X, lengths)
    lp_ref, post_ref = ref.score_samples(X, lengths)
    np.testing.assert_allclose(lp, lp_ref, rtol=1e-12)
    np.testing.assert_allclose(post, post_ref, atol=post_atol)
    vlp, path = ours.decode(X, lengths)
    vlp_ref, path_ref = ref.decode(X, lengths)
    np.testing.assert_allclose(vlp, vlp_ref, rtol=1e-12)
    np.testing.assert_array_equal(path, path_ref)
    return post_ref, path_ref
