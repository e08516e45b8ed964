"""The command line of the local MongoDB-compatible server: ``python -m deep_bottleneck.cli.mongo_server``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deep_bottleneck.cli.spellings import with_documented_spellings
from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.stop_request import install_handlers
from deep_bottleneck.store.local_server import LocalMongoServer
from deep_bottleneck.store.local_server import __doc__ as USAGE


def main() -> int:
    parser = argparse.ArgumentParser(description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data_dir", default=".mongo-data", help="folder for the data (default: .mongo-data)")
    parser.add_argument("--port", type=int, default=27017)
    parser.epilog = "Options may also be written with hyphens (--data-dir)."
    args = parser.parse_args(with_documented_spellings(sys.argv[1:], ("--data_dir",)))
    server = LocalMongoServer(Path(args.data_dir).resolve(), args.port)
    # SIGINT and SIGTERM stop the server, even where this command inherited them ignored (a script's background job).
    install_handlers()
    try:
        server.start()
        print(f"MongoDB (SecantusDB) is serving {Path(args.data_dir).resolve()} at {server.url}", flush=True)
        print(f"Use it with: export DEEP_BOTTLENECK_MONGO_URL={server.url}   (Ctrl-C stops the server)", flush=True)
        code = server.process.wait()
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopping the server ...", flush=True)
        return 0
    finally:
        server.stop()
    print(f"error: the server exited unexpectedly (code {code}); see {Path(args.data_dir) / 'server.log'}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
