import sys
import textwrap

import pytest

from deep_bottleneck import plugins
from deep_bottleneck.errors import PluginError


def test_builtin_plugins_are_listed():
    assert "datasets.harmonics" in plugins.available("dataset")
    assert "mi_estimator.binning" in plugins.available("estimator")
    assert "mi_estimator.base" not in plugins.available("estimator")
    assert "callbacks.early_stopping_manual" in plugins.available("callback")


@pytest.mark.parametrize("kind", sorted(plugins.KINDS))
def test_every_builtin_plugin_imports_and_has_load(kind):
    for name in plugins.available(kind):
        assert callable(plugins.load_module(kind, name).load)


def test_missing_plugin_is_reported_with_suggestions():
    with pytest.raises(PluginError, match=r"No estimator plug-in named 'mi_estimator.binnig'.*"
                                          r"Did you mean 'mi_estimator.binning'") as info:
        plugins.load_module("estimator", "mi_estimator.binnig")
    assert info.value.__cause__ is None


def test_missing_user_module_is_reported_as_missing():
    with pytest.raises(PluginError, match="No model plug-in named 'no_such_package.model'"):
        plugins.load_module("model", "no_such_package.model")


@pytest.fixture
def user_modules(tmp_path, monkeypatch):
    package = tmp_path / "user_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "broken.py").write_text("import numpy\nraise RuntimeError('bad setup in user code')\n")
    (package / "no_load.py").write_text("VALUE = 1\n")
    (package / "dataset.py").write_text(textwrap.dedent("""
        import numpy as np
        from deep_bottleneck.data_split import make_split

        def load(n_rows=8):
            X = np.eye(n_rows, dtype="float32")
            y = np.arange(n_rows) % 2
            return make_split(X, y), make_split(X, y)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "user_plugins"
    for name in [m for m in sys.modules if m.startswith("user_plugins")]:
        del sys.modules[name]


def test_plugin_failing_to_import_keeps_its_cause(user_modules):
    with pytest.raises(PluginError, match=r"exists but failed to import: RuntimeError: bad setup") as info:
        plugins.load_module("dataset", "user_plugins.broken")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_module_without_load_is_rejected(user_modules):
    with pytest.raises(PluginError, match="has no function 'load"):
        plugins.load_module("dataset", "user_plugins.no_load")


def test_user_module_loads_by_full_import_path(user_modules):
    training, test = plugins.load_plugin("dataset", "user_plugins.dataset", n_rows=4)
    assert training.X.shape == (4, 4)


def test_wrong_arguments_are_named_before_load_runs(user_modules):
    with pytest.raises(PluginError, match=r"cannot be loaded with \['rows'\].*accepts: n_rows"):
        plugins.load_plugin("dataset", "user_plugins.dataset", rows=4)
