"""`python -m deep_bottleneck.cli.mongo_import` against a real server: imported runs look like runs stored directly."""

import hashlib
import os
import shutil
import subprocess

import gridfs
import pymongo

from tests.conftest import PROJECT_ROOT
from tests.cohort import DB

CONTENT_TYPES = {"infoplane.png": "image/png", "information_measures.csv": "text/csv", "compression.csv": "text/csv",
                 "infoplane_movie.mp4": "video/mp4"}


def run_import(python, runs_dir, url, db_name, cwd):
    return subprocess.run([python, "-m", "deep_bottleneck.cli.mongo_import", "--runs-dir", str(runs_dir),
                           "--mongo-url", url, "--mongo-db", db_name], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, timeout=600)


def digest(fs, file_id):
    return hashlib.md5(fs.get(file_id).read()).hexdigest()


def test_imported_runs_hold_what_mongo_observer_stores(cohort, mongo_server, mongo_db_name, python, tmp_path):
    done = run_import(python, cohort, mongo_server.url, mongo_db_name, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "4 imported, 0 completed, 0 already in MongoDB" in done.stdout
    assert "->" not in done.stdout
    client = pymongo.MongoClient(mongo_server.url)
    direct_db, imported_db = client[DB], client[mongo_db_name]
    direct_fs, imported_fs = gridfs.GridFS(direct_db), gridfs.GridFS(imported_db)
    for direct in direct_db.runs.find():
        imported = imported_db.runs.find_one({"host.hostname": direct["host"]["hostname"],
                                              "start_time": direct["start_time"]})
        assert imported["imported_from"] == str(cohort / str(imported["_id"]))
        assert set(imported) == set(direct) | {"imported_from"}
        for field in ("format", "command", "host", "config", "meta", "status", "resources", "result",
                      "captured_out", "start_time", "stop_time", "heartbeat"):
            assert imported[field] == direct[field], field

        def without_sources(experiment):
            return {key: value for key, value in experiment.items() if key != "sources"}

        assert without_sources(imported["experiment"]) == without_sources(direct["experiment"])
        assert [name for name, _ in imported["experiment"]["sources"]] == \
               [name for name, _ in direct["experiment"]["sources"]]
        for (_, imported_id), (_, direct_id) in zip(imported["experiment"]["sources"], direct["experiment"]["sources"]):
            assert imported_fs.get(imported_id).filename == direct_fs.get(direct_id).filename
            assert digest(imported_fs, imported_id) == digest(direct_fs, direct_id)

        assert [a["name"] for a in imported["artifacts"]] == [a["name"] for a in direct["artifacts"]]
        for imported_link, direct_link in zip(imported["artifacts"], direct["artifacts"]):
            imported_file = imported_db.fs.files.find_one({"_id": imported_link["file_id"]})
            direct_file = direct_db.fs.files.find_one({"_id": direct_link["file_id"]})
            assert set(imported_file) == set(direct_file)
            assert imported_file["contentType"] == direct_file["contentType"] == CONTENT_TYPES[direct_link["name"]]
            assert imported_file["filename"] == f"artifact://runs/{imported['_id']}/{imported_link['name']}"
            assert imported_file["metadata"] is direct_file["metadata"] is None
            assert digest(imported_fs, imported_link["file_id"]) == digest(direct_fs, direct_link["file_id"])

        assert {m["name"] for m in imported["info"]["metrics"]} == {m["name"] for m in direct["info"]["metrics"]}
        for metric in direct_db.metrics.find({"run_id": direct["_id"]}, {"_id": 0, "run_id": 0}):
            assert imported_db.metrics.find_one({"run_id": imported["_id"], "name": metric["name"]},
                                                {"_id": 0, "run_id": 0}) == metric
    # The four runs ran the same framework code (and each its own plug-ins): each source file is stored once.
    experiments = [run["experiment"] for run in direct_db.runs.find()]
    paths = {os.path.join(experiment["base_dir"], name) for experiment in experiments
             for name, _ in experiment["sources"]}
    assert any("tests/eval_tools/movie_sized_plotter.py" in path for path in paths)
    sources = {"filename": {"$not": {"$regex": "^artifact://"}}}
    assert sorted(f["filename"] for f in imported_db.fs.files.find(sources)) == sorted(paths)

    # A run imported before sources were imported is completed; the other runs are left alone.
    imported_db.runs.update_one({"_id": 2}, {"$unset": {"experiment.sources": ""}})
    again = run_import(python, cohort, mongo_server.url, mongo_db_name, tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"completed {cohort / '2'}\n" in again.stdout
    assert "0 imported, 1 completed, 3 already in MongoDB" in again.stdout
    completed = imported_db.runs.find_one({"_id": 2})
    direct = direct_db.runs.find_one({"host.hostname": completed["host"]["hostname"],
                                      "start_time": completed["start_time"]})
    assert [name for name, _ in completed["experiment"]["sources"]] == [
        name for name, _ in direct["experiment"]["sources"]]
    assert imported_db.fs.files.count_documents(sources) == len(paths)


def copy_store(cohort, target, runs):
    """A file store holding cohort runs under other ids: ``{new_id: cohort_id}``."""
    shutil.copytree(cohort / "_sources", target / "_sources")
    for new_id, cohort_id in runs.items():
        shutil.copytree(cohort / str(cohort_id), target / str(new_id), ignore=shutil.ignore_patterns("activations"))
    return target


def test_a_run_keeps_its_file_store_id_unless_mongodb_has_a_run_with_it(cohort, mongo_server, mongo_db_name,
                                                                        python, tmp_path):
    first_store = copy_store(cohort, tmp_path / "first", {1: 1, 7: 2})
    second_store = copy_store(cohort, tmp_path / "second", {1: 3, 2: 4})
    db = pymongo.MongoClient(mongo_server.url)[mongo_db_name]

    first = run_import(python, first_store, mongo_server.url, mongo_db_name, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:2] == [f"imported  {first_store / '1'}", f"imported  {first_store / '7'}"]
    assert sorted(db.runs.distinct("_id")) == [1, 7]

    second = run_import(python, second_store, mongo_server.url, mongo_db_name, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[:2] == [f"imported  {second_store / '1'} -> MongoDB run 8",
                                              f"imported  {second_store / '2'}"]
    assert sorted(db.runs.distinct("_id")) == [1, 2, 7, 8]
    moved = db.runs.find_one({"_id": 8})
    assert moved["imported_from"] == str(second_store / "1")
    assert {f"artifact://runs/8/{a['name']}" for a in moved["artifacts"]} == {
        db.fs.files.find_one({"_id": a["file_id"]})["filename"] for a in moved["artifacts"]}
    assert db.metrics.count_documents({"run_id": 8}) == len(moved["info"]["metrics"]) == 4

    repeated = run_import(python, first_store, mongo_server.url, mongo_db_name, tmp_path)
    assert "0 imported, 0 completed, 2 already in MongoDB" in repeated.stdout
    assert sorted(db.runs.distinct("_id")) == [1, 2, 7, 8]


def test_a_malformed_run_among_good_ones_is_reported_in_one_line_and_the_others_imported(
        cohort, mongo_server, mongo_db_name, python, tmp_path):
    store = copy_store(cohort, tmp_path / "store", {1: 1, 2: 2, 3: 3})
    damaged = store / "2" / "run.json"
    damaged.write_text(damaged.read_text()[:4096 // 8])  # cut short, as a full disk left it
    db = pymongo.MongoClient(mongo_server.url)[mongo_db_name]

    done = run_import(python, store, mongo_server.url, mongo_db_name, tmp_path)

    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"failed    {store / '2'}: {damaged} is damaged: not valid JSON "
                                        + done.stderr.split("not valid JSON ", 1)[1].strip()]
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines() == [f"imported  {store / '1'}", f"imported  {store / '3'}",
                                        "2 imported, 0 completed, 0 already in MongoDB, 1 failed"]
    assert sorted(db.runs.distinct("_id")) == [1, 3]
