import numpy as np
import pandas as pd

from deep_bottleneck.run.compression import compression_verdicts


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
    assert np.isclose(falls["drop_bits"], 31 / 3 - 7) and falls["compresses"]
    # The interval covers the drops of every resample: from all-"run 2" (10 - 8) to all-"run 1" (11 - 6).
    assert 2 <= falls["drop_ci_low"] <= falls["drop_bits"] <= falls["drop_ci_high"] <= 5
    assert rises["drop_bits"] == 0 and rises["drop_ci_high"] < 0.1 and not rises["compresses"]


def test_one_run_gives_a_point_interval_and_epochs_not_every_run_reached_are_left_out():
    table = compression_verdicts(measures({0: [[3, 5, 4]]}))
    assert (table["drop_ci_low"].item(), table["drop_bits"].item(), table["drop_ci_high"].item()) == (1, 1, 1)
    stopped_early = measures({0: [[3, 5, 4, 1], [3, 5, 4]]})
    assert compression_verdicts(stopped_early)["end_epoch"].item() == 20
