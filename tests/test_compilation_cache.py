"""The compilation cache of ``experiment.py``: a second experiment compiles nothing new and computes the same
numbers; a damaged entry is compiled again, removed and reported in one line; ``off`` keeps no cache."""

import os
import subprocess

import pandas as pd

from tests.conftest import PROJECT_ROOT

#: Two repetitions in two worker processes, so that the workers' programs are cached too.
CONFIG = ["with", "configs/tishby.json", "epochs=3", "n_runs=2", "parallel_runs=2"]
DAMAGE_LINE = "warning: the compilation cache "


def experiment(python, tmp_path, run_id, *overrides, **variables):
    """``experiment.py`` with a $HOME and $XDG_CACHE_HOME of its own (a variable given as None is unset) and none of
    the suite's JAX cache settings."""
    (tmp_path / "home").mkdir(parents=True, exist_ok=True)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("JAX_")}
    environment.update({"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
                        "DEEP_BOTTLENECK_RUNS_DIR": str(tmp_path / "runs"), "PYTHONPATH": str(PROJECT_ROOT),
                        **variables})
    environment = {name: value for name, value in environment.items() if value is not None}
    done = subprocess.run([python, str(PROJECT_ROOT / "experiment.py"), "--id", str(run_id), *CONFIG, *overrides],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def entries(folder):
    return {path.name: path.read_bytes() for path in folder.glob("*-cache")}


def measures(tmp_path, run_id):
    return pd.read_csv(tmp_path / "runs" / str(run_id) / "information_measures.csv")


def test_a_second_experiment_compiles_nothing_new_and_a_damaged_entry_is_compiled_again(python, tmp_path):
    folder = tmp_path / "cache" / "deep-bottleneck" / "jax"
    first = experiment(python, tmp_path, 1)
    cached = entries(folder)
    assert any(name.startswith("jit_train_epoch-") or name.startswith("jit_over_networks-") for name in cached)
    assert DAMAGE_LINE not in first.stderr

    experiment(python, tmp_path, 2)
    assert entries(folder) == cached
    pd.testing.assert_frame_equal(measures(tmp_path, 2), measures(tmp_path, 1))

    for name, content in cached.items():
        (folder / name).write_bytes(content[: len(content) // 2])
    damaged = experiment(python, tmp_path, 3)
    reports = [line for line in damaged.stderr.splitlines() if line.startswith(DAMAGE_LINE)]
    # One line from each process that met a damaged entry: the experiment's and its two workers'.
    assert 1 <= len(reports) <= 3, damaged.stderr
    assert all("unreadable copy of" in line and "compiled again and the copy removed" in line for line in reports)
    assert "Error reading persistent compilation cache" not in damaged.stderr
    pd.testing.assert_frame_equal(measures(tmp_path, 3), measures(tmp_path, 1))

    mended = entries(folder)
    assert mended.keys() == cached.keys()
    again = experiment(python, tmp_path, 4)
    assert DAMAGE_LINE not in again.stderr
    assert entries(folder) == mended
    assert not (tmp_path / "home" / ".cache").exists()


def test_the_cache_stays_under_its_size_goes_where_it_is_told_and_off_keeps_none(python, tmp_path):
    one_process = "n_runs=1"
    experiment(python, tmp_path, 1, one_process, JAX_COMPILATION_CACHE_MAX_SIZE="100000")
    cached = entries(tmp_path / "cache" / "deep-bottleneck" / "jax")
    assert cached and sum(len(content) for content in cached.values()) <= 100000

    elsewhere = tmp_path / "elsewhere"
    experiment(python, tmp_path, 2, one_process, DEEP_BOTTLENECK_COMPILATION_CACHE=str(elsewhere))
    assert entries(elsewhere)

    experiment(python, tmp_path, 3, one_process, XDG_CACHE_HOME=None)
    assert entries(tmp_path / "home" / ".cache" / "deep-bottleneck" / "jax")

    experiment(python, tmp_path, 4, one_process, XDG_CACHE_HOME=str(tmp_path / "unused"),
               DEEP_BOTTLENECK_COMPILATION_CACHE="off")
    assert not (tmp_path / "unused" / "deep-bottleneck").exists()
