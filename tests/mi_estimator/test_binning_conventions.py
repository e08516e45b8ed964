"""Each paper's binning by name (``estimator_args.convention``) reproduces that paper's numbers: stored values
computed with the restated definitions of ``paper_conventions`` on activations that are exact in float32 (so no
value depends on rounding), and a run of each ``configs/conventions/`` config checked snapshot by snapshot."""

import json

import numpy as np
import pandas as pd
import pytest

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.data_split import construct_full_dataset
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.mi_estimator import binning
from deep_bottleneck.mi_estimator.base import estimate
from tests.conftest import PROJECT_ROOT, run_script
from tests.mi_estimator import paper_conventions

# (I(X;T), I(T;Y)) in bits from paper_conventions on dyadic_activations(kind), harmonics' 4096 rows.
STORED = {
    ("tanh", "idnns", 30): (9.66673028551639, 0.48758409404279135),
    ("tanh", "idnns", 12): (5.205807212602711, 0.19838469724395225),
    ("tanh", "saxe", 0.07): (9.66654486520809, 0.5042359519333137),
    ("tanh", "original", 0.07): (9.66654486520809, 0.5042359519333137),
    ("relu", "idnns", 30): (2.5318991441144862, 0.05140366258553142),
    ("relu", "idnns", 12): (2.3119105706828487, 0.04407306439769609),
    ("relu", "saxe", 0.07): (2.7180248869103596, 0.0593879191781515),
    ("relu", "original", 0.07): (2.7180248869103596, 0.0593879191781515),
}


@pytest.fixture(scope="module")
def full():
    return construct_full_dataset(*harmonics.load())


def dyadic_activations(full, kind: str) -> np.ndarray:
    """[4096, 4] float32 multiples of 1/64 (tanh-like, in [-1.3, 1]) or of 1/8 (ReLU-like, >= 0, many above 1),
    with unit 0 of the first 30 rows set to IDNNs' 30 edges and three rows at 1, -1 and -1.5."""
    rng = np.random.default_rng(20)
    pre_activation = full.X.astype(np.int64) @ rng.integers(-6, 7, size=(12, 4)) - 12
    values = (pre_activation / 64.0 if kind == "tanh" else np.maximum(pre_activation, 0) / 8.0).astype(np.float32)
    values[:30, 0] = np.linspace(-1, 1, 30).astype(np.float32)
    values[30:33, 1] = [1.0, -1.0, -1.5]
    return values


def reference(full, activations, convention, parameter):
    if convention == "idnns":
        return paper_conventions.idnns(full.X, activations, full.y, n_edges=parameter)
    return getattr(paper_conventions, convention)(activations, full.y, binsize=parameter)


def estimator_for(convention, parameter):
    if convention == "idnns":
        return binning.load(convention="idnns", n_edges=parameter)
    return binning.load(discretization_range=parameter, convention=convention)


@pytest.mark.parametrize("kind, convention, parameter", sorted(STORED))
def test_each_convention_gives_the_stored_values_of_the_papers_definition(full, kind, convention, parameter):
    activations = dyadic_activations(full, kind)
    stored = STORED[kind, convention, parameter]
    assert reference(full, activations, convention, parameter) == pytest.approx(stored, abs=1e-12)
    assert estimate(estimator_for(convention, parameter), activations, full.y) == pytest.approx(stored, abs=1e-12)


def test_idnns_puts_values_from_the_last_edge_up_and_below_the_first_edge_in_one_bin_of_their_own():
    edges = np.linspace(-1, 1, 30).astype(np.float32)
    values = np.array([edges[0], edges[1], np.nextafter(edges[1], np.float32(-2)), edges[28],
                       np.nextafter(edges[29], np.float32(-2)), edges[29], 1.5, 250.0, -1.5], dtype=np.float32)
    codes = binning.load(convention="idnns").bin(values.reshape(1, -1, 1))[0, :, 0]
    assert codes.tolist() == [1, 2, 1, 29, 29, 30, 30, 30, 30]
    # 29 bins inside [-1, 1) and one more: 30 edges are 30 bins, not the 30 bins of 'fixed' plus clipping.
    inside = np.linspace(-0.99, 0.99, 200)[:, None]
    assert len(np.unique(binning.load(convention="idnns").bin(inside[None]))) == 29


def test_fixed_with_30_bins_is_not_idnns(full):
    activations = dyadic_activations(full, "tanh")
    with pytest.warns(binning.OutOfRangeWarning):
        fixed = estimate(binning.load(strategy="fixed", n_bins=30, bin_range=[-1, 1]), activations, full.y)
    assert abs(fixed[0] - STORED["tanh", "idnns", 30][0]) > 0.1


def test_a_convention_and_a_strategy_together_are_rejected_with_what_to_drop():
    with pytest.raises(ValueError, match="convention 'idnns' fixes the bins, so drop strategy 'fixed'"):
        binning.load(convention="idnns", strategy="fixed")
    with pytest.raises(ValueError, match="Unknown binning convention 'idnn'.*idnns"):
        binning.load(convention="idnn")
    with pytest.raises(ValueError, match="n_edges must be an integer of at least 2, got 1"):
        binning.load(convention="idnns", n_edges=1)


@pytest.mark.parametrize("convention", ["idnns", "saxe", "original"])
def test_each_convention_config_reproduces_the_papers_numbers_on_the_runs_own_activations(
        python, tmp_path, convention):
    runs = tmp_path / "runs"
    config = PROJECT_ROOT / "configs" / "conventions" / f"{convention}.json"
    activation = "relu" if convention == "idnns" else "tanh"
    done = run_script(python, "experiment.py", "with", str(config), "epochs=3", "n_runs=1", "seed=4",
                      f"activation_fn={activation}", cwd=tmp_path, env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    assert done.returncode == 0, done.stderr
    folder = runs / "1"
    arguments = json.loads(config.read_text())
    measures = pd.read_csv(folder / "information_measures.csv").set_index(["epoch", "layer"])
    with ActivationFile(folder / "activations" / "run_0.h5") as store:
        labels = store.labels
        checked = 0
        for layer_index, (name, layer) in enumerate(store.layers()):
            for epoch, snapshot in zip(store.epochs, layer[:]):
                if convention == "idnns":
                    # Harmonics' 4096 inputs are distinct, so each row is its own input.
                    expected = paper_conventions.idnns(np.arange(len(labels))[:, None], snapshot, labels,
                                                       arguments["estimator_args"]["n_edges"])
                else:
                    expected = getattr(paper_conventions, convention)(snapshot, labels,
                                                                      arguments["discretization_range"])
                row = measures.loc[(int(epoch), layer_index)]
                assert (row["MI_XM"], row["MI_YM"]) == pytest.approx(expected, abs=1e-12), (name, epoch)
                checked += 1
    assert checked == 3 * 6
