import signal
import subprocess
from pathlib import Path

import pymongo
import pytest

from deep_bottleneck.store.mongo import unreachable_reason
from tests.conftest import PROJECT_ROOT, free_port


@pytest.mark.parametrize("inherited_interrupts", ["handled", "ignored"])
def test_command_prints_the_url_serves_and_stops_cleanly_on_interrupt(python, tmp_path, inherited_interrupts):
    # A non-interactive shell starts its background jobs with SIGINT ignored; the command stops on it all the same.
    port = free_port()
    command = [python, "-m", "deep_bottleneck.cli.mongo_server", "--data-dir", str(tmp_path / "data"), "--port",
               str(port)]
    if inherited_interrupts == "ignored":
        command = ["sh", "-c", "trap '' INT; exec \"$@\"", "sh", *command]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline()
        assert f"mongodb://127.0.0.1:{port}/" in first_line
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=5000)
        client.deep_bottleneck.runs.insert_one({"_id": 1, "status": "COMPLETED"})
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    assert (tmp_path / "data").is_dir()
    from deep_bottleneck.store.local_server import LocalMongoServer

    with LocalMongoServer(tmp_path / "data", free_port()) as restarted:
        stored = pymongo.MongoClient(restarted.url).deep_bottleneck.runs.find_one({"_id": 1})
    assert stored["status"] == "COMPLETED"


def processes_mentioning(text):
    """Ids of the running processes whose command line contains ``text``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:  # the process ended meanwhile
            pass
    return found


def test_a_port_in_use_is_reported(python, mongo_server, tmp_path):
    data_dir = tmp_path / "d"
    done = subprocess.run(
        [python, "-m", "deep_bottleneck.cli.mongo_server", "--data-dir", str(data_dir), "--port",
         str(mongo_server.port)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == f"error: Port {mongo_server.port} on 127.0.0.1 is already in use; choose another --port.\n"
    assert done.stdout == ""
    # Nothing was started: no data folder, no server process for it, and the server on the port still answers.
    assert not data_dir.exists()
    assert processes_mentioning(str(data_dir)) == []
    assert unreachable_reason(mongo_server.url) is None
