"""TensorBoard pointed at a run's ``projector/`` folder finds every repetition's projector files."""

import json

import numpy as np

from deep_bottleneck.activation_file import ActivationFile
from tests.conftest import run_script


def test_tensorboard_at_the_projector_folder_serves_every_repetition(python, tmp_path):
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.projector import projector_plugin
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    callbacks = json.dumps([["callbacks.activityprojector", {"every": 1}]])
    done = run_script(python, "experiment.py", "with", "epochs=2", "architecture=[4,3]", "n_runs=2",
                      "parallel_runs=2", "calculate_mi_for=test", f"callbacks={callbacks}", cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(tmp_path / "runs")})
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = tmp_path / "runs" / "1"

    apps = projector_plugin.ProjectorPlugin(base_plugin.TBContext(logdir=str(run_dir / "projector"),
                                                                  multiplexer=None)).get_plugin_apps()
    client = Client(lambda environ, respond: apps[environ["PATH_INFO"]](environ, respond), Response)
    (run,) = json.loads(client.get("/runs").get_data())
    names = [e["tensorName"] for e in json.loads(client.get(f"/info?run={run}").get_data())["embeddings"]]
    assert names == [f"run_{k} layer_{i} epoch {e}" for k in (0, 1) for e in (0, 1) for i in range(3)]
    for repetition in (0, 1):
        with ActivationFile(run_dir / "activations" / f"run_{repetition}.h5") as store:
            labels, recorded = store.labels, store.layer("layer_1")[list(store.epochs).index(1)]
        name = f"run_{repetition} layer_1 epoch 1"
        served = client.get(f"/tensor?run={run}&name={name}")
        assert served.status_code == 200
        np.testing.assert_allclose(np.frombuffer(served.get_data(), dtype=np.float32).reshape(recorded.shape),
                                   recorded, rtol=1e-5, atol=1e-6)
        metadata = client.get(f"/metadata?run={run}&name={name}").get_data().decode().split()
        assert list(map(int, metadata)) == labels.tolist()
