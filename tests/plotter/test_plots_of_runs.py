"""The plots of runs made as users make them (``experiment.py --name ... with config``), redrawn from the run folder
with the contexts the run drew them with: layer names that do not overlap on a harmonics run, titles naming the run
and the estimator's non-default arguments, the readout marked, a log colour scale for the log schedule, the family
plane called a family, the movie's layer markers, labelled single-unit panels and the ceiling at log2 of the distinct
inputs."""

import itertools
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import SymLogNorm
from matplotlib.text import Annotation

from deep_bottleneck.config import validate_config
from deep_bottleneck.data_split import construct_full_dataset
from deep_bottleneck.datasets import mod16_groups
from deep_bottleneck.run.pipeline import plot_contexts
from deep_bottleneck.plotter import activations_single_neuron, informationplane, informationplane_movie
from deep_bottleneck.plotter._plane import text_extent
from deep_bottleneck.store.run_folder import RunFolder
from tests.conftest import run_script

HARMONICS = {
    "dataset": "datasets.harmonics", "architecture": [10, 7, 5, 4, 3], "activation_fn": "tanh", "epochs": 20,
    "n_runs": 2, "family_size": 2, "seed": 1, "snapshot_schedule": "log", "calculate_mi_for": "full_dataset",
    "estimators": [["mi_estimator.binning", {"discretization_range": 0.07}],
                   ["mi_estimator.upper", {"discretization_range": 0.01}]],
    "plotters": [["plotter.informationplane", {}], ["plotter.informationplane_movie", {"max_frames": 5}],
                 ["plotter.activations_single_neuron", {"max_units": 3}]],
}
MOD16 = {"dataset": "datasets.mod16_groups", "dataset_args": {"n_train": 3000, "n_test": 500}, "architecture": [6, 4],
         "epochs": 3, "calculate_mi_for": "full_dataset", "seed": 2}


def run(python, folder, name, config):
    """``experiment.py --name NAME with CONFIG`` in ``folder``; the run folder and its settings."""
    (folder / "config.json").write_text(json.dumps(config))
    done = run_script(python, "experiment.py", "--name", name, "with", str(folder / "config.json"), cwd=folder,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(folder / "runs")})
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = folder / "runs" / "1"
    return run_dir, validate_config(json.loads((run_dir / "config.json").read_text()))


@pytest.fixture(scope="module")
def harmonics_run(python, tmp_path_factory):
    return run(python, tmp_path_factory.mktemp("harmonics"), "tanh_study", HARMONICS)


def redrawn(plotter, run_dir, settings, label, prefix=""):
    """The figure ``plotter`` drew for the estimator labelled ``label``, drawn again from the run folder."""
    measures = pd.read_csv(run_dir / "information_measures.csv")
    contexts = plot_contexts(settings, RunFolder(run_dir), "tanh_study (run 1)", prefix=prefix)
    (context,) = [c for c in contexts if c.file_suffix == f"_{prefix}{label}"]
    return plotter.plot(measures[measures["estimator"] == prefix + label], context)


def layer_names(figure):
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    return {text.get_text(): (text, text_extent(text, renderer))
            for text in figure.axes[0].texts if isinstance(text, Annotation)}


def test_every_plot_was_written(harmonics_run):
    run_dir, _ = harmonics_run
    written = set(json.loads((run_dir / "run.json").read_text())["artifacts"])
    assert {f"{plot}_{label}.{extension}" for plot, extension in (("infoplane", "png"), ("infoplane_movie", "mp4"))
            for label in ("binning", "upper_dr0.01", "family_binning", "family_upper_dr0.01")} <= written
    assert "single_neuron_activations.png" in written


def test_layer_names_of_a_harmonics_plane_do_not_overlap_though_the_layers_end_together(harmonics_run):
    run_dir, settings = harmonics_run
    figure = redrawn(informationplane.load(), run_dir, settings, "binning")
    names = layer_names(figure)
    assert sorted(names) == ["layer_0", "layer_1", "layer_2", "layer_3", "layer_4", "layer_5 (readout)"]
    # The widest tanh layers tell (nearly) all 4096 inputs apart in bins of 0.07: they end at (12 bits, H(Y)),
    # less than a line of text apart, where names beside their points would cover each other.
    pixels = figure.axes[0].transData.transform([name.xy for name, _ in names.values()])
    line_height = min(box.height for _, box in names.values())
    assert min(np.linalg.norm(a - b) for a, b in itertools.combinations(pixels, 2)) < line_height / 2
    for (_, first), (_, second) in itertools.combinations(names.values(), 2):
        assert not first.overlaps(second)
    plt.close(figure)


def test_titles_name_the_run_and_the_estimators_arguments_and_the_readout_and_family_are_marked(harmonics_run):
    run_dir, settings = harmonics_run
    binning = redrawn(informationplane.load(), run_dir, settings, "binning").axes[0]
    upper = redrawn(informationplane.load(), run_dir, settings, "upper_dr0.01").axes[0]
    family = redrawn(informationplane.load(), run_dir, settings, "upper_dr0.01", prefix="family_").axes[0]
    assert binning.get_title().startswith("tanh_study (run 1): information plane\n")
    assert "mi_estimator.binning, full_dataset (N=4096), mean of 2 runs" in binning.get_title()
    assert "mi_estimator.upper(discretization_range=0.01), full_dataset" in upper.get_title()
    assert "family of 2 networks" in family.get_title() and "1 run" not in family.get_title()
    legend = [text.get_text() for text in binning.figure.legends[0].get_texts()]
    assert legend[5] == "layer_5 (readout)" and legend[6].startswith("ceilings: log2(4096 distinct inputs) = 12.00")
    plt.close("all")


def test_the_log_schedule_colours_epochs_on_a_log_scale(harmonics_run):
    run_dir, settings = harmonics_run
    figure = redrawn(informationplane.load(), run_dir, settings, "binning")
    scatters = [collection for collection in figure.axes[0].collections if isinstance(collection, PathCollection)]
    assert len(scatters) == 6 and all(isinstance(scatter.norm, SymLogNorm) for scatter in scatters)
    assert figure.axes[1].get_ylabel() == "epoch (log scale)"
    plt.close(figure)


def test_the_movies_current_points_carry_the_legends_marker_of_their_layer(harmonics_run):
    run_dir, settings = harmonics_run
    figure = redrawn(informationplane_movie.load(), run_dir, settings, "upper_dr0.01")
    plane = figure.axes[0]
    legend = {text.get_text(): handle.get_marker()
              for text, handle in zip(plane.figure.legends[0].get_texts(), plane.figure.legends[0].legend_handles)}
    points = [line for line in plane.lines if line.get_marker() not in ("None", "", None)]
    names = [f"layer_{layer}" for layer in range(5)] + ["layer_5 (readout)"]
    assert [line.get_marker() for line in points] == [legend[name] for name in names]
    assert len({line.get_marker() for line in points}) == 6
    assert figure.get_suptitle().startswith("tanh_study (run 1): information plane")
    plt.close(figure)


def test_single_unit_panels_have_axis_labels_and_say_which_units(harmonics_run):
    run_dir, settings = harmonics_run
    (context, _) = plot_contexts(settings, RunFolder(run_dir), "tanh_study (run 1)")
    figure = activations_single_neuron.load(max_units=3).plot(pd.DataFrame(), context)
    panels = [axis for axis in figure.axes if axis.get_title()]
    assert {axis.get_xlabel() for axis in panels} == {"epoch"}
    assert [axis.get_ylabel().split("\n")[0] for axis in panels if axis.get_ylabel()] == [
        "layer_0: 3 of 10 units", "layer_1: 3 of 7 units",
        "layer_2: 3 of 5 units", "layer_3: 3 of 4 units", "layer_4: all 3 units",
        "layer_5: all 2 units"]
    assert figure.get_suptitle().startswith("tanh_study (run 1): activations of single units")
    plt.close(figure)


def test_the_ceiling_of_ten_input_bits_is_drawn_at_log2_of_the_distinct_inputs_with_whole_epoch_ticks(
        python, tmp_path):
    run_dir, settings = run(python, tmp_path, "mod16", MOD16)
    rows = construct_full_dataset(*mod16_groups.load(n_train=3000, n_test=500, seed=0)).X
    distinct = len(np.unique(rows, axis=0))
    assert 900 < distinct < 1024, "3500 draws of 1024 inputs miss some"
    (context,) = plot_contexts(settings, RunFolder(run_dir))
    assert context.n_distinct_inputs == distinct and context.n_rows == 3500
    figure = informationplane.load().plot(pd.read_csv(run_dir / "information_measures.csv"), context)
    plane, colorbar = figure.axes[0], figure.axes[1]
    dashed = [line.get_xdata()[0] for line in plane.lines if line.get_linestyle() == "--"]
    assert dashed[0] == pytest.approx(np.log2(distinct)) and dashed[0] < 10
    figure.canvas.draw()
    ticks = [tick for tick in colorbar.get_yticks() if 0 <= tick <= 2]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    plt.close(figure)
