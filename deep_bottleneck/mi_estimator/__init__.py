"""Mutual-information estimator plug-ins: each module's ``load(...)`` returns an estimator honouring the contract in
``deep_bottleneck.mi_estimator.base`` (checked for every one by ``testing.conformance``)."""
