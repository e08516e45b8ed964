"""eval_tools beside a run that did not complete: the ``find_by_*`` methods return completed runs unless asked for
other statuses, and a missing artifact is reported with the run's id and status."""

import re

import pytest

from deep_bottleneck.eval_tools import ExperimentLoader, compression_table
from tests.cohort import WITH_FAILURE


@pytest.fixture(params=["mongo", "file"])
def loader(request, cohort_with_a_failure, mongo_server):
    if request.param == "mongo":
        return ExperimentLoader(mongo_uri=mongo_server.url, db_name=WITH_FAILURE)
    return ExperimentLoader(runs_dir=cohort_with_a_failure)


def statuses(experiments):
    return sorted((experiment.id, experiment.status) for experiment in experiments)


def test_find_returns_completed_runs_unless_asked_for_other_statuses(loader):
    harmonics = ("dataset", "datasets.harmonics", True)
    completed = statuses(loader.find_by_config_key(*harmonics))
    assert len(completed) == 3 and {status for _, status in completed} == {"COMPLETED"}
    assert statuses(loader.find_by_config_key(*harmonics, status=None)) == completed + [(5, "FAILED")]
    assert statuses(loader.find_by_config_key(*harmonics, status="FAILED")) == [(5, "FAILED")]
    assert statuses(loader.find_by_name("crash", status=["FAILED", "INTERRUPTED"])) == [(5, "FAILED")]
    assert loader.find_by_name("crash") == []
    assert [e.id for e in loader.find_by_ids([5, 4, 1])] == [4, 1]
    assert [e.id for e in loader.find_by_ids([5, 4, 1], status=None)] == [5, 4, 1]
    with pytest.raises(KeyError, match="Experiment 5 is FAILED, not COMPLETED; find_by_id\\(5, status=None\\)"):
        loader.find_by_id(5)
    with pytest.raises(ValueError, match="'COMPLETE' is not a run status .* Did you mean 'COMPLETED'"):
        loader.find_by_name("crash", status="COMPLETE")


def test_an_artifact_missing_on_a_failed_run_is_reported_with_its_id_and_status(loader):
    failed = loader.find_by_id(5, status=None)
    expected = sorted(failed.artifact_names + [name.rsplit(".", 1)[0] for name in failed.artifact_names])
    with pytest.raises(KeyError, match=rf"Experiment 5 \(FAILED\) has no artifact 'infoplane'; it has "
                                       rf"{re.escape(str(expected))}. A FAILED run lacks"):
        failed.artifacts["infoplane"]
    with pytest.raises(KeyError, match=r"Experiment 5 \(FAILED\) has no artifact 'compression.csv'"):
        compression_table([failed])


def test_the_compression_table_of_a_cohort_of_single_runs_says_each_needs_more_runs(loader):
    table = compression_table(loader.find_by_config_key("dataset", "datasets.harmonics", exact=True), "activation_fn")
    assert table["id"].nunique() == 3 and 5 not in set(table["id"])
    assert (table["verdict"] == "needs >= 2 runs").all() and table["drop_ci_low"].isna().all()
