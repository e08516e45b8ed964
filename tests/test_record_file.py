"""Record files are written whole or not at all, and a failed write names the path and the reason."""

import json
import threading

import pytest

from deep_bottleneck.errors import RecordWriteError
from deep_bottleneck.record_file import check_free_space, replace_atomically, write_text_atomically
from deep_bottleneck.store.file_store import FileStore
from tests.small_disk import fill, small_disk


def test_a_failed_write_keeps_the_previous_content_and_leaves_no_temporary_file(tmp_path):
    with small_disk(tmp_path / "disk", "1m") as disk:
        record = disk / "run.json"
        write_text_atomically(record, json.dumps({"status": "RUNNING"}))
        fill(disk)
        with pytest.raises(RecordWriteError, match=rf"Cannot write {record}: No space left on device"):
            write_text_atomically(record, json.dumps({"status": "COMPLETED", "padding": "y" * 100_000}))
        assert json.loads(record.read_text()) == {"status": "RUNNING"}
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "run.json"]


def test_the_file_store_remembers_its_first_failed_write(tmp_path):
    with small_disk(tmp_path / "disk", "1m") as disk:
        store = FileStore(disk / "runs")
        store.dir = str(disk / "runs" / "1")
        (disk / "runs" / "1").mkdir(parents=True)
        store.save_json({"status": "RUNNING"}, "run.json")
        fill(disk)
        with pytest.raises(RecordWriteError):
            store.save_json({"status": "RUNNING", "result": "z" * 100_000}, "run.json")
        assert "No space left on device" in str(store.write_error)
        assert json.loads((disk / "runs" / "1" / "run.json").read_text()) == {"status": "RUNNING"}


def test_a_write_the_disk_cannot_hold_is_refused_before_it_starts(tmp_path):
    with small_disk(tmp_path / "disk", "2m") as disk:
        check_free_space(disk / "a.h5", 100_000)
        with pytest.raises(RecordWriteError, match="No space left on device"):
            check_free_space(disk / "a.h5", 1_500_000)


def test_two_threads_replacing_one_record_do_not_take_each_others_temporary_file(tmp_path):
    # Sacred's heartbeat thread and the run's own thread both rewrite run.json: the second must not start on the
    # first one's temporary file while the first is still writing it (a resumed run failed so, under load).
    record = tmp_path / "run.json"
    first_writing, second_done = threading.Event(), threading.Event()
    failures = []

    def write_first(temporary):
        temporary.write_text('{"by": "first"}')
        first_writing.set()
        second_done.wait(timeout=1)  # Without the wait of the second writer, it renames this file away first.

    def second():
        first_writing.wait()
        try:
            write_text_atomically(record, '{"by": "second"}')
        except RecordWriteError as exc:
            failures.append(exc)
        second_done.set()

    other = threading.Thread(target=second)
    other.start()
    try:
        replace_atomically(record, write_first)
    except RecordWriteError as exc:
        failures.append(exc)
    other.join()
    assert failures == []
    assert json.loads(record.read_text()) == {"by": "second"}
    assert [path.name for path in tmp_path.iterdir()] == ["run.json"]
