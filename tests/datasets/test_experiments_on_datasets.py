"""Every new data set and model through the commands users type: the shipped configs, shortened, run by
``run_experiments_local.py`` and ``experiment.py``; MNIST and Fashion-MNIST from small files in Keras' formats."""

import json
import shutil

import numpy as np
import pandas as pd

from deep_bottleneck.activation_file import ActivationFile
from tests.conftest import PROJECT_ROOT, run_script
from tests.datasets.image_files import write_fashion_mnist_folder, write_mnist_npz
from tests.datasets.test_image_datasets import no_network_environment

SHORT = {"epochs": 2, "n_runs": 1}
#: Shipped config -> (layer names recorded, rows MI is estimated on).
SHIPPED = {
    "synthetic/harmonics_generated.json": (["layer_0", "layer_1", "layer_2", "layer_3", "layer_4", "layer_5"], 4096),
    "synthetic/integer_threshold.json": (["layer_0", "layer_1", "layer_2", "layer_3", "layer_4", "layer_5"], 1000),
    "synthetic/integer_complicated.json": (["layer_0", "layer_1", "layer_2", "layer_3", "layer_4", "layer_5"], 1000),
    "synthetic/mod16_groups.json": (["layer_0", "layer_1", "layer_2", "layer_3"], 50000),
    "digits/digits_conv.json": (["conv", "layer_0", "layer_1"], 1797),
    "digits/digits_batchnorm_relu.json": ([f"layer_{k}{suffix}" for k in range(4) for suffix in ("", "_batchnorm")]
                                          + ["layer_4"], 1797),
}


def completed_runs(runs):
    """``{config name: run folder}`` of every completed run in the file store."""
    done = {}
    for run_json in runs.glob("[0-9]*/run.json"):
        run = json.loads(run_json.read_text())
        assert run["status"] == "COMPLETED", run_json
        done[run["experiment"]["name"]] = run_json.parent
    return done


def check_run(folder, layer_names, n_rows):
    with ActivationFile(folder / "activations" / "run_0.h5") as store:
        assert store.layer_names == layer_names
        assert len(store.labels) == n_rows
        assert list(store.epochs) == [0, 1]
    measures = pd.read_csv(folder / "information_measures.csv")
    assert set(measures["layer"]) == set(range(len(layer_names))) or set(measures["layer"]) == set(layer_names)
    assert np.isfinite(measures[["MI_XM", "MI_YM"]].to_numpy()).all()
    assert list(folder.glob("infoplane*.png"))


def test_the_shipped_configs_of_the_new_data_sets_and_models_run(python, tmp_path):
    configs = tmp_path / "configs"
    for name in SHIPPED:
        content = json.loads((PROJECT_ROOT / "configs" / name).read_text())
        (configs / name).parent.mkdir(parents=True, exist_ok=True)
        (configs / name).write_text(json.dumps({**content, **SHORT}))
    runs = tmp_path / "runs"
    done = run_script(python, "run_experiments_local.py", "-d", str(configs), "-j", "2", cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)}, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{len(SHIPPED)} completed of {len(SHIPPED)}." in done.stdout
    folders = completed_runs(runs)
    for name, (layer_names, n_rows) in SHIPPED.items():
        check_run(folders[name.split("/")[-1][:-len(".json")]], layer_names, n_rows)


def test_mnist_from_keras_cache_and_fashion_mnist_from_a_named_folder(python, tmp_path):
    keras_home = tmp_path / "keras"
    write_mnist_npz(keras_home / "datasets" / "mnist.npz", n_train=100, n_test=30)
    fashion = write_fashion_mnist_folder(tmp_path / "fashion", n_train=100, n_test=30)
    runs = tmp_path / "runs"
    environment = {**no_network_environment(keras_home), "DEEP_BOTTLENECK_RUNS_DIR": str(runs)}
    mnist_conv = run_script(python, "experiment.py", "with", "configs/mnist/mnist_14x14_conv.json", "epochs=2",
                            "n_runs=1", cwd=tmp_path, env_updates=environment)
    assert mnist_conv.returncode == 0, mnist_conv.stderr[-3000:]
    shutil.copy(PROJECT_ROOT / "configs" / "fashion_mnist" / "fashion_mnist_128_64_32.json", tmp_path / "f.json")
    fashion_batchnorm = run_script(
        python, "experiment.py", "with", str(tmp_path / "f.json"), "epochs=2", "architecture=[16,8]",
        "model=models.feedforward_batchnorm", f"dataset_args.path={fashion}", cwd=tmp_path, env_updates=environment)
    assert fashion_batchnorm.returncode == 0, fashion_batchnorm.stderr[-3000:]
    mnist_big = run_script(python, "experiment.py", "with", "configs/mnist/mnist_1024_20_20_20_relu.json",
                           "epochs=2", "architecture=[32,20]", cwd=tmp_path, env_updates=environment)
    assert mnist_big.returncode == 0, mnist_big.stderr[-3000:]
    folders = completed_runs(runs)
    check_run(folders["mnist_14x14_conv"], ["conv", "layer_0", "layer_1"], 30)
    check_run(folders["f"], ["layer_0", "layer_0_batchnorm", "layer_1", "layer_1_batchnorm", "layer_2"], 30)
    check_run(folders["mnist_1024_20_20_20_relu"], ["layer_0", "layer_1", "layer_2"], 30)
    with ActivationFile(folders["mnist_14x14_conv"] / "activations" / "run_0.h5") as store:
        assert store.layer("conv").shape == (2, 30, 11 * 11)


def test_mnist_offline_without_a_cached_copy_fails_in_one_line_before_training(python, tmp_path):
    environment = {**no_network_environment(tmp_path / "keras"), "DEEP_BOTTLENECK_RUNS_DIR": str(tmp_path / "runs")}
    done = run_script(python, "experiment.py", "with", "configs/mnist/mnist_128_64_32.json", "epochs=2",
                      cwd=tmp_path, env_updates=environment)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert f"Put mnist.npz (Keras' file" in done.stderr and str(tmp_path / "keras" / "datasets") in done.stderr


def test_dataset_and_model_arguments_are_checked_and_a_rejected_value_is_one_line(python, tmp_path):
    runs = tmp_path / "runs"
    environment = {"DEEP_BOTTLENECK_RUNS_DIR": str(runs)}
    misspelt = run_script(python, "experiment.py", "with", "configs/synthetic/integer_threshold.json",
                          "dataset_args.label=complicated", cwd=tmp_path, env_updates=environment)
    assert misspelt.returncode != 0 and "Traceback" not in misspelt.stderr
    assert "Config key 'dataset_args'" in misspelt.stderr and "Did you mean 'labels'?" in misspelt.stderr
    assert not runs.exists() or not list(runs.glob("[0-9]*")), "stopped before a run started"
    rejected = run_script(python, "experiment.py", "with", "configs/digits/digits_conv.json", "epochs=1",
                          "model_args.kernel_size=9", cwd=tmp_path, env_updates=environment)
    assert rejected.returncode != 0 and "Traceback" not in rejected.stderr
    assert "rejected its arguments" in rejected.stderr and "the kernel at most the image" in rejected.stderr
