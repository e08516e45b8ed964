import signal
import subprocess

import pymongo

from tests.conftest import PROJECT_ROOT, free_port


def test_command_prints_the_url_serves_and_stops_cleanly_on_interrupt(python, tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [python, "-m", "deep_bottleneck.mongo_server", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    from deep_bottleneck.mongo_server import LocalMongoServer

    with LocalMongoServer(tmp_path / "data", free_port()) as restarted:
        stored = pymongo.MongoClient(restarted.url).deep_bottleneck.runs.find_one({"_id": 1})
    assert stored["status"] == "COMPLETED"


def test_a_port_in_use_is_reported(python, mongo_server, tmp_path):
    done = subprocess.run(
        [python, "-m", "deep_bottleneck.mongo_server", "--data-dir", str(tmp_path / "d"), "--port",
         str(mongo_server.port)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "error:" in done.stderr
