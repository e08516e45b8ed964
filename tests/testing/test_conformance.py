"""``deep_bottleneck.testing.conformance``: every registered plug-in of every kind passes its kind's checks, and a
plug-in that breaks its contract is named with the rule it breaks."""

import numpy as np
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.testing.conformance import ConformanceError, check_plugin
from tests.datasets.image_files import write_fashion_mnist_folder, write_mnist_npz

#: Arguments a plug-in needs to be checked here: image datasets read small files in Keras' formats; sampling
#: estimators are held to the error their modules document (bits).
ARGUMENTS = {
    ("dataset", "datasets.mnist"): lambda folder: {"path": str(write_mnist_npz(folder / "mnist.npz"))},
    ("dataset", "datasets.fashion_mnist"): lambda folder: {"path": str(write_fashion_mnist_folder(folder / "f"))},
    ("model", "models.conv"): lambda folder: {"input_size": 64},  # an 8 x 8 image
    ("estimator", "mi_estimator.ksg"): lambda folder: {"tolerance": 0.05},
    ("estimator", "mi_estimator.edge"): lambda folder: {"tolerance": 0.05},
    ("estimator", "mi_estimator.autoregressive"): lambda folder: {"tolerance": 0.1, "fit_epochs": 5},
}
EVERY_PLUGIN = [(kind, name) for kind in sorted(plugins.KINDS) for name in plugins.available(kind)]


@pytest.mark.parametrize("kind, name", EVERY_PLUGIN)
def test_every_registered_plugin_conforms(kind, name, tmp_path):
    arguments = ARGUMENTS.get((kind, name), lambda folder: {})(tmp_path)
    check_plugin(kind, name, **arguments)


@pytest.mark.parametrize("name", ["plotter.informationplane", "plotter.informationplane_movie"])
def test_planes_with_error_bars_conform(name):
    check_plugin("plotter", name, error_bars=True)


class ConstantEstimator:
    """Says every layer holds one bit about X, even a constant one."""

    def estimate_snapshots(self, activations, labels):
        return np.ones(len(activations)), np.zeros(len(activations))


def load():
    return ConstantEstimator()


def test_an_estimator_that_finds_information_in_identical_rows_is_named_with_the_rule(monkeypatch):
    with pytest.raises(ConformanceError, match="'tests.testing.test_conformance' .* identical rows must give 0 bits"):
        check_plugin("estimator", "tests.testing.test_conformance")
