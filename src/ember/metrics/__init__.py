"""Metrics with scikit-learn's names: classification curves and scores, information measures, norms."""
