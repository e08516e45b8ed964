from deep_bottleneck.run.metrics_logger import MetricsOverRuns, stored_metrics


def test_logged_metrics_are_kept_for_the_plots_and_read_back_from_a_stored_run():
    logged = {}
    over_runs = MetricsOverRuns(lambda name, value, step: logged.setdefault(name, []).append((step, value)), 2)
    for run in (0, 1):
        for epoch in range(3):
            over_runs.log(run, "training.loss", 1.0 / (epoch + 1 + run), epoch)
    assert logged["training.loss"] == [(epoch, (1.0 / (epoch + 1) + 1.0 / (epoch + 2)) / 2) for epoch in range(3)]
    frame = over_runs.frame()
    assert len(frame) == 6 and set(frame["run"]) == {0, 1}
    stored = {name: {"steps": [s for s, _ in values], "values": [v for _, v in values]}
              for name, values in logged.items()}
    read = stored_metrics(stored).sort_values(["run", "epoch"], ignore_index=True)
    assert read.equals(frame.sort_values(["run", "epoch"], ignore_index=True))
    single = stored_metrics({"training.loss": {"steps": [0, 1], "values": [0.5, 0.4]}})
    assert single["run"].tolist() == [0, 0] and single["name"].tolist() == ["training.loss"] * 2
