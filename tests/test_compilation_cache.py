"""The compilation cache of ``experiment.py`` and ``reestimate``: a second experiment compiles nothing new and
computes the same numbers; a damaged entry is compiled again, replaced and reported in one line, and so is a full or
read-only disk; the cache goes where it is told, keeps to its size, and ``off`` keeps none."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd

from deep_bottleneck import compilation_cache
from deep_bottleneck.compilation_cache import cache_folder, watch_entries
from tests.conftest import PROJECT_ROOT
from tests.small_disk import small_disk

#: Two repetitions in two worker processes, so that the workers' programs are cached too.
CONFIG = ["with", "configs/demo.json", "epochs=2", "architecture=[5,3]", "n_runs=2", "parallel_runs=2"]
CACHE_LINE = "warning: the compilation cache "


def environment_of(tmp_path, variables):
    """A $HOME and $XDG_CACHE_HOME of the test's own, none of the suite's JAX cache settings, and ``variables``."""
    (tmp_path / "home").mkdir(parents=True, exist_ok=True)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("JAX_")}
    environment.update({"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
                        "DEEP_BOTTLENECK_RUNS_DIR": str(tmp_path / "runs"), "PYTHONPATH": str(PROJECT_ROOT),
                        **variables})
    return environment


def run(python, tmp_path, command, **variables):
    done = subprocess.run([python, *command], cwd=tmp_path, env=environment_of(tmp_path, variables),
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def experiment(python, tmp_path, run_id, *overrides, **variables):
    return run(python, tmp_path, [str(PROJECT_ROOT / "experiment.py"), "--id", str(run_id), *CONFIG, *overrides],
               **variables)


def cache_lines(done):
    return [line for line in done.stderr.splitlines() if line.startswith(CACHE_LINE)]


def entries(folder):
    return {path.name: path.read_bytes() for path in folder.glob("*-cache")}


def measures(tmp_path, run_id):
    return pd.read_csv(tmp_path / "runs" / str(run_id) / "information_measures.csv")


def test_a_second_experiment_compiles_nothing_new_and_a_damaged_entry_is_compiled_again(python, tmp_path):
    folder = tmp_path / "cache" / "deep-bottleneck" / "jax"
    first = experiment(python, tmp_path, 1)
    cached = entries(folder)
    assert any(name.startswith("jit_over_networks-") for name in cached)
    assert CACHE_LINE not in first.stderr

    experiment(python, tmp_path, 2)
    assert entries(folder) == cached
    pd.testing.assert_frame_equal(measures(tmp_path, 2), measures(tmp_path, 1))

    cut_short = {name: content[: len(content) // 2] for name, content in cached.items()}
    for name, content in cut_short.items():
        (folder / name).write_bytes(content)
    damaged = experiment(python, tmp_path, 3)
    reports = cache_lines(damaged)
    # One line from each process that met a damaged entry: the experiment's and its two workers'.
    assert 1 <= len(reports) <= 3, damaged.stderr
    assert all("unreadable copy of" in line and "compiled again and the copy removed" in line for line in reports)
    assert "Error reading persistent compilation cache" not in damaged.stderr
    pd.testing.assert_frame_equal(measures(tmp_path, 3), measures(tmp_path, 1))
    mended = entries(folder)
    assert mended.keys() == cached.keys()
    assert all(mended[name] != cut_short[name] for name in mended)
    assert not (tmp_path / "home" / ".cache").exists()


def test_a_full_or_read_only_disk_is_one_line_and_the_run_completes(python, tmp_path):
    with small_disk(tmp_path / "full", size="128k") as disk:
        full = experiment(python, tmp_path, 1, "n_runs=1", DEEP_BOTTLENECK_COMPILATION_CACHE=str(disk / "cache"))
        lines = cache_lines(full)
        assert len(lines) == 1 and "could not store" in lines[0], full.stderr
        assert "Error writing persistent compilation cache" not in full.stderr

        # Damaged entries on a disk that has become read-only (JAX's own variable names the folder): they cannot be
        # removed, which is said, and the run goes on.
        for entry in (disk / "cache").glob("*-cache"):
            entry.write_bytes(entry.read_bytes()[:10])
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        stuck = experiment(python, tmp_path, 2, "n_runs=1", JAX_COMPILATION_CACHE_DIR=str(disk / "cache"),
                           JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    assert any("which could not be removed" in line for line in cache_lines(stuck)), stuck.stderr
    assert "Error reading persistent compilation cache" not in stuck.stderr

    with small_disk(tmp_path / "read_only", read_only=True) as disk:
        read_only = experiment(python, tmp_path, 3, "n_runs=1", DEEP_BOTTLENECK_COMPILATION_CACHE=str(disk / "cache"))
    assert len(cache_lines(read_only)) == 1 and "cannot be used" in cache_lines(read_only)[0], read_only.stderr
    assert all(set(measures(tmp_path, run_id)["run"]) == {0} for run_id in (1, 2, 3))


def test_the_cache_goes_where_it_is_told_keeps_to_its_size_and_off_keeps_none(python, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    experiment(python, tmp_path, 1, "n_runs=1", "store_activations=False",
               DEEP_BOTTLENECK_COMPILATION_CACHE=str(elsewhere), JAX_COMPILATION_CACHE_MAX_SIZE="60000")
    cached = entries(elsewhere)
    assert cached and sum(len(content) for content in cached.values()) <= 60000
    assert not (tmp_path / "cache" / "deep-bottleneck").exists()

    # Re-estimating a run that kept only weights compiles its layers' outputs (JAX is imported before the cache is
    # turned on there).
    reestimated = tmp_path / "reestimation"
    run(python, tmp_path, ["-m", "deep_bottleneck.cli.reestimate", "1", "--estimator", "mi_estimator.upper",
                           "--runs_dir", str(tmp_path / "runs")], DEEP_BOTTLENECK_COMPILATION_CACHE=str(reestimated))
    assert entries(reestimated)

    experiment(python, tmp_path, 2, "n_runs=1", DEEP_BOTTLENECK_COMPILATION_CACHE="off")
    assert not (tmp_path / "cache" / "deep-bottleneck").exists()


def test_the_default_folder_is_under_xdg_cache_home_else_home(monkeypatch, tmp_path):
    assert cache_folder({"XDG_CACHE_HOME": "/x/cache"}) == Path("/x/cache/deep-bottleneck/jax")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_folder({}) == tmp_path / ".cache" / "deep-bottleneck" / "jax"
    assert cache_folder({"DEEP_BOTTLENECK_COMPILATION_CACHE": " Off "}) is None
    assert cache_folder({"DEEP_BOTTLENECK_COMPILATION_CACHE": ""}) == tmp_path / ".cache" / "deep-bottleneck" / "jax"
    assert cache_folder({"JAX_COMPILATION_CACHE_DIR": "/j", "DEEP_BOTTLENECK_COMPILATION_CACHE": "off"}) == Path("/j")


def test_a_damaged_entry_is_removed_only_while_no_other_process_holds_the_cache(monkeypatch, tmp_path, capsys):
    # Another process that holds JAX's lock on the folder may be storing or evicting entries: removing files then
    # once made that process fail to store its own ("could not store").
    entry = tmp_path / "jit_step-0123-cache"
    entry.write_bytes(b"damaged")
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    monkeypatch.setattr(compilation_cache, "LOCK_SECONDS", 0.1)
    watch_entries(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import filelock, sys; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); "
                                "print('held', flush=True); sys.stdin.read()"),
         str(tmp_path / compilation_cache.LOCK_FILE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        warnings.warn("Error reading persistent compilation cache entry for 'jit_step': truncated", stacklevel=1)
        assert entry.exists()
        assert "held an unreadable copy of jit_step, which could not be removed" in capsys.readouterr().err
    finally:
        holder.communicate("")
    warnings.warn("Error reading persistent compilation cache entry for 'jit_step': truncated", stacklevel=1)
    assert not entry.exists()
