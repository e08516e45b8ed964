import numpy as np
import pytest

from deep_bottleneck.checkpoint_file import (
    MetricLog,
    NetworkCheckpoint,
    TrainingState,
    read_checkpoint,
    write_checkpoint,
)
from deep_bottleneck.errors import DamagedFileError


def network(run, epoch):
    rng = np.random.default_rng(run)
    rng.permutation(10)
    state = TrainingState(epoch, [rng.normal(size=(3, 2)).astype(np.float32), np.zeros(2, np.float32)], [],
                          [np.array(7, dtype=np.int64), rng.normal(size=(3, 2)).astype(np.float32)],
                          rng.bit_generator.state, finished=run == 1)
    metrics = [(name, float(rng.normal()), step) for step in range(epoch + 1) for name in ("training.loss", "x")]
    return NetworkCheckpoint(run, state, n_snapshots=epoch + 1, metrics=metrics, stop_reasons=["why"] * run,
                             callback_states={"4": {"best": 0.5, "rows": [[1, 2.5]]}})


def test_a_checkpoint_reads_back_exactly_what_was_written_and_is_overwritten_whole(tmp_path):
    path = tmp_path / "checkpoints" / "runs_0-1.npz"
    write_checkpoint(path, [network(0, 3), network(1, 3)])
    write_checkpoint(path, [network(0, 5), network(1, 5)])
    read = read_checkpoint(path)
    assert [n.run for n in read] == [0, 1] and [n.state.epoch for n in read] == [5, 5]
    for got, expected in zip(read, [network(0, 5), network(1, 5)]):
        for part in ("trainable", "non_trainable", "optimizer"):
            for a, b in zip(getattr(got.state, part), getattr(expected.state, part), strict=True):
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a, b)
        assert got.state.shuffle_state == expected.state.shuffle_state
        assert got.state.finished == expected.state.finished
        assert got.metrics == expected.metrics
        assert (got.n_snapshots, got.stop_reasons, got.callback_states) == (
            expected.n_snapshots, expected.stop_reasons, expected.callback_states)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_the_batch_order_continues_from_a_stored_random_state(tmp_path):
    rng = np.random.default_rng(3)
    rng.permutation(100)
    write_checkpoint(tmp_path / "c.npz", [NetworkCheckpoint(0, TrainingState(0, [], [], [], rng.bit_generator.state),
                                                            0)])
    continued = np.random.default_rng(0)
    continued.bit_generator.state = read_checkpoint(tmp_path / "c.npz")[0].state.shuffle_state
    np.testing.assert_array_equal(continued.permutation(100), rng.permutation(100))


def test_a_damaged_checkpoint_is_called_damaged(tmp_path):
    path = tmp_path / "run_0.npz"
    write_checkpoint(path, [network(0, 2)])
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DamagedFileError, match=f"Checkpoint {path} is damaged"):
        read_checkpoint(path)


def test_a_growing_metric_log_is_written_as_it_stands_at_each_checkpoint(tmp_path):
    logged = network(0, 4).metrics
    log = MetricLog(logged[:3])
    write_checkpoint(tmp_path / "c.npz", [NetworkCheckpoint(0, network(0, 4).state, 1, log)])
    assert read_checkpoint(tmp_path / "c.npz")[0].metrics == logged[:3]
    for entry in logged[3:] + [("late", 2.5, 9)] * 3000:
        log.append(*entry)
    write_checkpoint(tmp_path / "c.npz", [NetworkCheckpoint(0, network(0, 4).state, 1, log)])
    assert read_checkpoint(tmp_path / "c.npz")[0].metrics == logged + [("late", 2.5, 9)] * 3000
    assert list(log) == logged + [("late", 2.5, 9)] * 3000
