"""Upper Kolchinsky-Tracey bound (pairwise KL) on I(X;T) and I(T;Y); see ``mi_estimator.kde``."""

from deep_bottleneck.mi_estimator._kde import KDEBoundEstimator


def load(discretization_range: float = 0.001) -> KDEBoundEstimator:
    """Estimator plug-in entry point: noise variance = ``discretization_range`` (Saxe et al. used 0.001)."""
    return KDEBoundEstimator(discretization_range, "upper")
