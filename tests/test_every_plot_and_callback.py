"""Every plotter and callback in short experiments run as users run them (``experiment.py with ...``), each artifact
checked for being what it claims: images of the expected size, a movie with one frame per snapshot, finite
positive gradient statistics, projector files TensorBoard serves, stopping at the right epoch, compression
verdicts with intervals."""

import json

import gridfs
import imageio_ffmpeg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymongo
import pytest

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.eval_tools import ExperimentLoader, compression_table
from tests.conftest import run_script

THRESHOLD = 0.88
ALL_PLOTS = {  # file -> (height, width) in pixels
    "infoplane_binning.png": (600, 800), "infoplane_upper.png": (600, 800), "snr.png": (750, 1000),
    "activations.png": (1040, 800), "single_neuron_activations.png": (980, 1620),
}
EVERYTHING = {
    "epochs": 12, "architecture": [10, 7, 5, 4, 3], "activation_fn": "tanh", "learning_rate": 0.01, "n_runs": 2,
    "seed": 0, "calculate_mi_for": "test", "estimators": [["mi_estimator.binning", {"discretization_range": 0.07}],
                              ["mi_estimator.upper", {"discretization_range": 0.001}]],
    "plotters": [["plotter.informationplane", {}], ["plotter.informationplane_movie", {"max_frames": 500}],
                 ["plotter.snr", {}], ["plotter.activations", {}], ["plotter.activations_single_neuron", {}]],
    "callbacks": [["callbacks.activityprojector", {"every": 3}],
                  ["callbacks.early_stopping_manual", {"monitor": "val_accuracy", "value": THRESHOLD}]],
}


def experiment(python, tmp_path, config, env_updates=None):
    path = tmp_path / "everything.json"
    path.write_text(json.dumps(config))
    done = run_script(python, "experiment.py", "with", str(path), cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(tmp_path / "runs"), **(env_updates or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp_path / "runs" / "1"


@pytest.fixture(scope="module")
def everything(python, tmp_path_factory, mongo_server):
    """One experiment with every plotter, the projector and early stopping, stored in both stores."""
    db_name = "every_plot"
    run_dir = experiment(python, tmp_path_factory.mktemp("everything"), EVERYTHING,
                         {"DEEP_BOTTLENECK_MONGO_URL": mongo_server.url, "DEEP_BOTTLENECK_MONGO_DB": db_name})
    return run_dir, pymongo.MongoClient(mongo_server.url)[db_name]


def test_every_plot_is_an_artifact_with_its_content_type_and_pngs_decode_at_their_size(everything):
    run_dir, db = everything
    artifacts = json.loads((run_dir / "run.json").read_text())["artifacts"]
    expected = {*ALL_PLOTS, "infoplane_movie_binning.mp4", "infoplane_movie_upper.mp4", "compression.csv",
                "information_measures.csv"}
    assert sorted(artifacts) == sorted(expected)
    (document,) = db.runs.find()
    stored = {a["name"]: a["file_id"] for a in document["artifacts"]}
    for name in expected:
        content_type = db.fs.files.find_one({"_id": stored[name]})["contentType"]
        assert content_type == {"png": "image/png", "mp4": "video/mp4", "csv": "text/csv"}[name[-3:]]
        assert gridfs.GridFS(db).get(stored[name]).read() == (run_dir / name).read_bytes()
    for name, size in ALL_PLOTS.items():
        image = plt.imread(run_dir / name)
        assert image.shape[:2] == size, name
        assert image[..., :3].std() > 0.05, f"{name} is not blank"


def test_early_stopping_stops_each_run_at_the_epoch_its_metric_crosses(everything):
    run_dir, _ = everything
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for run in (0, 1):
        accuracy = metrics[f"run_{run}.validation.accuracy"]["values"]
        assert len(accuracy) < EVERYTHING["epochs"]
        assert max(accuracy[:-1]) < THRESHOLD <= accuracy[-1]


def test_the_movie_has_one_frame_per_snapshot_every_run_reached(everything):
    run_dir, _ = everything
    measures = pd.read_csv(run_dir / "information_measures.csv")
    common = set.intersection(*(set(group["epoch"]) for _, group in measures.groupby("run")))
    for estimator in ("binning", "upper"):
        frames = imageio_ffmpeg.read_frames(str(run_dir / f"infoplane_movie_{estimator}.mp4"))
        metadata = next(frames)
        assert metadata["codec"].startswith("h264") and metadata["size"] == (960, 480)
        assert sum(1 for _ in frames) == len(common)


def test_gradient_statistics_are_finite_positive_at_every_snapshot_of_every_run(everything):
    run_dir, _ = everything
    for run in (0, 1):
        statistics = pd.read_csv(run_dir / "gradients" / f"run_{run}.csv")
        with ActivationFile(run_dir / "activations" / f"run_{run}.h5") as store:
            snapshots, names = store.epochs.tolist(), store.layer_names
        assert sorted(statistics["epoch"].unique()) == snapshots
        assert (statistics.groupby("epoch")["layer_name"].apply(list) == [names] * len(snapshots)).all()
        values = statistics[["mean_norm", "std_norm", "snr", "weight_norm"]].to_numpy()
        assert np.isfinite(values).all() and (values > 0).all()
        assert (statistics["n_batches"] == 13).all(), "3277 training rows in batches of 256"


def test_projector_files_are_served_by_tensorboards_projector_plugin(everything):
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.projector import projector_plugin
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    run_dir, _ = everything
    folder = run_dir / "projector" / "run_1"
    apps = projector_plugin.ProjectorPlugin(base_plugin.TBContext(logdir=str(folder), multiplexer=None)
                                            ).get_plugin_apps()
    client = Client(lambda environ, respond: apps[environ["PATH_INFO"]](environ, respond), Response)
    (run,) = json.loads(client.get("/runs").get_data())
    embeddings = json.loads(client.get(f"/info?run={run}").get_data())["embeddings"]
    last_epoch = len(json.loads((run_dir / "metrics.json").read_text())["run_1.training.loss"]["values"]) - 1
    epochs = sorted({0, 3, last_epoch} | ({3 * k for k in range(last_epoch // 3 + 1)}))
    assert [e["tensorName"] for e in embeddings] == [f"layer_{i} epoch {e}" for e in epochs for i in range(6)]
    with ActivationFile(run_dir / "activations" / "run_1.h5") as store:
        labels = store.labels
        recorded = store.layer("layer_2")[list(store.epochs).index(3)]
    served = client.get(f"/tensor?run={run}&name=layer_2 epoch 3")
    assert served.status_code == 200
    np.testing.assert_allclose(np.frombuffer(served.get_data(), dtype=np.float32).reshape(819, 5), recorded,
                               rtol=1e-5, atol=1e-6)
    metadata = client.get(f"/metadata?run={run}&name=layer_2 epoch 3").get_data().decode().split()
    assert list(map(int, metadata)) == labels.tolist()


def test_compression_verdicts_have_one_row_per_layer_with_an_interval_and_eval_tools_read_them(everything):
    run_dir, _ = everything
    experiment = ExperimentLoader(runs_dir=run_dir.parent).find_by_id(1)
    table = compression_table([experiment], "activation_fn")
    assert len(table) == 2 * 6 and set(table["estimator"]) == {"binning", "upper"}
    assert (table.groupby("estimator")["layer"].apply(list) == [list(range(6))] * 2).all()
    assert (table["activation_fn"] == "tanh").all() and (table["n_runs"] == 2).all()
    assert (table["drop_ci_low"] <= table["drop_bits"] + 1e-12).all()
    assert (table["drop_bits"] <= table["drop_ci_high"] + 1e-12).all()
    measures = pd.read_csv(run_dir / "information_measures.csv")
    layer_4 = measures[(measures["estimator"] == "upper") & (measures["layer"] == 4)]
    mean_curve = layer_4.groupby("epoch")["MI_XM"].mean().loc[lambda s: s.index <= table["end_epoch"].iloc[0]]
    row = table[(table["estimator"] == "upper") & (table["layer"] == 4)].iloc[0]
    assert row["drop_bits"] == pytest.approx(mean_curve.max() - mean_curve.iloc[-1])


def test_the_information_criterion_stops_a_run_built_to_plateau(python, tmp_path):
    """With a learning rate of 1e-9 the weights stay put, so I(T;Y) - I(X;T) never improves: the first check
    (epoch 1) sets the best value and three checks later (epochs 3, 5, 7) training stops."""
    config = {"epochs": 40, "architecture": [10, 7, 5, 4, 3], "activation_fn": "tanh", "learning_rate": 1e-9,
              "callbacks": [["callbacks.early_stopping_information",
                             {"every": 2, "patience": 3, "tolerance": 0.001, "beta": 1.0}]]}
    run_dir = experiment(python, tmp_path, config)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["training.loss"]["steps"] == list(range(8))
    checks = pd.read_csv(run_dir / "information_stopping" / "run_0.csv")
    assert checks["epoch"].tolist() == [1, 3, 5, 7]
    assert checks["checks_without_improvement"].tolist() == [0, 1, 2, 3]
    with ActivationFile(run_dir / "activations" / "run_0.h5") as store:
        assert store.layer_names[-2] == "layer_4"
    measures = pd.read_csv(run_dir / "information_measures.csv")
    last_hidden = measures[(measures["layer"] == 4) & measures["epoch"].isin(checks["epoch"])]
    np.testing.assert_allclose(checks["MI_XM"], last_hidden["MI_XM"], atol=1e-12)
    np.testing.assert_allclose(checks["objective"], last_hidden["MI_YM"].to_numpy() - last_hidden["MI_XM"].to_numpy(),
                               atol=1e-12)
    assert "stopped after epoch 7" in (run_dir / "cout.txt").read_text()
