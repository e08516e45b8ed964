"""A local MongoDB-compatible server for users without one: SecantusDB, run as a separate process.

    python -m deep_bottleneck.cli.mongo_server [--data_dir .mongo-data] [--port 27017]

prints the URL and serves until interrupted (Ctrl-C stops it cleanly). SecantusDB (GPL-2.0) is an
optional dependency (``requirements/mongo-server.txt``); it is only ever started as a program,
never imported.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from deep_bottleneck.errors import DeepBottleneckError

SERVER_PROGRAM = "secantusd-py"
INSTALL_HINT = "pip install -r requirements/mongo-server.txt"


class LocalMongoServer:
    """A SecantusDB server process on ``127.0.0.1:port`` storing its data in ``data_dir``.

    Args:
        data_dir: Folder for the data (created if missing); ``":memory:"`` for a throw-away server.
        port: TCP port on 127.0.0.1.
        log_path: Where the server's output goes (default: ``<data_dir>/server.log`` or discarded).
    """

    def __init__(self, data_dir: str | Path, port: int = 27017, log_path: Path | None = None) -> None:
        self.data_dir = str(data_dir)
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    @staticmethod
    def program() -> str:
        """Path of the server program: beside this Python, else on PATH."""
        beside = Path(sys.executable).parent / SERVER_PROGRAM
        found = str(beside) if beside.exists() else shutil.which(SERVER_PROGRAM)
        if not found:
            raise DeepBottleneckError(f"'{SERVER_PROGRAM}' (SecantusDB) is not installed; run: {INSTALL_HINT}")
        return found

    def start(self, timeout: float = 30.0) -> "LocalMongoServer":
        """Start the server and wait until it answers ``ping``.

        Raises:
            DeepBottleneckError: The port is taken, the program is missing, or the server did not come up.
        """
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise DeepBottleneckError(f"Port {self.port} on 127.0.0.1 is already in use; choose another --port.")
        if self.data_dir != ":memory:":
            Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        log_path = self.log_path or (Path(self.data_dir) / "server.log" if self.data_dir != ":memory:" else None)
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [self.program(), "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", self.data_dir,
             "--standalone", "--oplog-retention-seconds", "60", "--oplog-max-entries", "1000",
             "--cache-size", "256M"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        if log is not subprocess.DEVNULL:
            log.close()
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        from deep_bottleneck.store.mongo import unreachable_reason

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DeepBottleneckError(
                    f"The MongoDB server exited at start (code {self.process.returncode}); "
                    f"is port {self.port} free and {self.data_dir} not used by another server?")
            if unreachable_reason(self.url) is None and self.process.poll() is None:
                return
            time.sleep(0.2)
        self.stop()
        raise DeepBottleneckError(f"The MongoDB server did not answer within {timeout:.0f} s.")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "LocalMongoServer":
        return self.start() if self.process is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
