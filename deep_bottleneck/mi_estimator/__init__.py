"""Mutual-information estimator plug-ins: each module's ``load(discretization_range)`` returns
an estimator honouring ``deep_bottleneck.mi_estimator.base.MutualInformationEstimator``."""
