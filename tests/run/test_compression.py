import numpy as np
import pandas as pd

from deep_bottleneck.run.compression import compression_verdicts, write_compression_verdicts


def measures(curves_by_layer):
    """Rows for ``{layer: [curve of run 0, curve of run 1, ...]}``, epochs 0, 10, 20, ..."""
    return pd.DataFrame([(10 * e, layer, run, value, 0.5, "binning")
                         for layer, curves in curves_by_layer.items() for run, curve in enumerate(curves)
                         for e, value in enumerate(curve)],
                        columns=["epoch", "layer", "run", "MI_XM", "MI_YM", "estimator"])


def test_a_layer_that_falls_from_its_peak_compresses_and_a_rising_one_does_not():
    falling = [[8, 10, 9, 7], [8, 11, 9, 6], [8, 10, 9, 8]]          # mean curve 8, 10.33, 9, 7
    rising = [[5, 6, 7, 7.9], [5, 6, 7.1, 8], [5, 6, 7, 8.1]]          # peak at the end
    table = compression_verdicts(measures({0: falling, 1: rising}), ["hidden", "readout"])
    falls, rises = table.iloc[0], table.iloc[1]
    assert (falls["layer_name"], falls["peak_epoch"], falls["end_epoch"]) == ("hidden", 10, 30)
    assert np.isclose(falls["drop_bits"], 31 / 3 - 7) and falls["verdict"] == "compresses"
    # The interval covers the drops of every resample: from all-"run 2" (10 - 8) to all-"run 1" (11 - 6).
    assert 2 <= falls["drop_ci_low"] <= falls["drop_bits"] <= falls["drop_ci_high"] <= 5
    assert rises["drop_bits"] == 0 and rises["drop_ci_high"] < 0.1 and rises["verdict"] == "does not compress"


def test_one_run_has_no_interval_and_needs_more_runs_and_epochs_not_every_run_reached_are_left_out(tmp_path):
    table = compression_verdicts(measures({0: [[3, 5, 1]]}))
    assert table["drop_bits"].item() == 4 and table["verdict"].item() == "needs >= 2 runs"
    assert table[["drop_ci_low", "drop_ci_high"]].isna().all(axis=None)
    path = write_compression_verdicts(measures({0: [[3, 5, 1]]}), ["hidden"], tmp_path / "compression.csv")
    assert path.read_text().splitlines()[1].endswith(",4.0,,,0.8,needs >= 2 runs")
    stopped_early = measures({0: [[3, 5, 4, 1], [3, 5, 4]]})
    assert compression_verdicts(stopped_early)["end_epoch"].item() == 20
