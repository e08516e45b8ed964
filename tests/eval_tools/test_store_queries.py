"""ExperimentLoader answers the same queries the same way from MongoDB and from the file store."""

import pytest

from deep_bottleneck.eval_tools import ExperimentLoader
from tests.cohort import DB

MOVIE_CALLBACK = "callbacks.early_stopping_manual"
#: (key, value, exact) and how many of the four cohort runs it finds.
QUERIES = [
    (("architecture", [6, 4], True), 4),
    (("architecture", 6, True), 4),                    # a scalar finds lists holding it
    (("architecture", (6, 4), True), 4),
    (("architecture", [4, 6], True), 0),
    (("architecture.0", 6, True), 4),
    (("architecture.1", 6, True), 0),
    (("architecture.2", None, True), 4),               # past the end is missing, and None finds missing
    (("architecture", "6", False), 0),                 # a regex finds strings only
    (("callbacks.0.0", MOVIE_CALLBACK, True), 1),
    (("callbacks.0.0", "early_stop", False), 1),
    (("callbacks.0.1.value", 2, True), 1),             # 2 == 2.0
    (("callbacks.0.1.monitor", "^val_", False), 1),
    (("callbacks.0", MOVIE_CALLBACK, True), 0),        # an element picked by index is compared whole
    (("callbacks", [MOVIE_CALLBACK, {"monitor": "val_accuracy", "value": 2.0}], True), 1),
    (("callbacks", [], True), 3),
    (("callbacks.0", None, True), 3),                  # runs without a first callback
    (("plotters.1.0", "movie_sized", False), 1),
    (("plotters.0.0", r"^plotter\.informationplane$", False), 4),
    (("plotters.0.1", {}, True), 4),
    (("plotters", ["plotter.informationplane", {}], True), 4),
    (("max_norm_weights", False, True), 4),
    (("max_norm_weights", 0, True), 0),                # booleans are not numbers
    (("epochs", 2.0, True), 4),
    (("estimator_args", {}, True), 4),
    (("no_such_key", None, True), 4),
    (("no_such_key", "x", False), 0),
    (("optimizer", "^(sgd|adam)$", False), 4),
    (("dataset", "harmonics$", False), 3),
]


def signature(experiment):
    """A run as both stores name it (their ids need not agree)."""
    return experiment.config["activation_fn"], experiment.config["optimizer"], experiment.config["dataset"]


@pytest.fixture
def loaders(cohort, mongo_server):
    return ExperimentLoader(mongo_uri=mongo_server.url, db_name=DB), ExperimentLoader(runs_dir=cohort)


def test_both_stores_give_the_same_answers(loaders):
    mongo, files = loaders
    for query, count in QUERIES:
        from_mongo = sorted(map(signature, mongo.find_by_config_key(*query)))
        from_files = sorted(map(signature, files.find_by_config_key(*query)))
        assert from_mongo == from_files, query
        assert len(from_mongo) == count, query
    assert [sorted(map(signature, loader.find_by_name("^(tanh|relu)_"))) for loader in loaders] == [
        [("relu", "adam", "datasets.harmonics"), ("tanh", "adam", "datasets.harmonics"),
         ("tanh", "sgd", "datasets.harmonics")]] * 2


@pytest.mark.parametrize("store", ["mongo", "file"])
def test_a_bad_pattern_raises_the_same_error_in_both_stores(loaders, store):
    loader = loaders[store == "file"]
    with pytest.raises(ValueError, match=r"'\(adam' is not a valid regular expression: missing \)"):
        loader.find_by_config_key("optimizer", "(adam")
    with pytest.raises(ValueError, match=r"'\[deep' is not a valid regular expression"):
        loader.find_by_name("[deep")
    with pytest.raises(ValueError, match="2 is not a regular expression .*exact=True"):
        loader.find_by_config_key("epochs", 2)
