"""MongoDB for runs: where it is (URL, database, from flags or the environment), Sacred's observer for it, and
the content type of artifacts.

The MongoDB URL comes from the ``--mongo_url`` flag or ``$DEEP_BOTTLENECK_MONGO_URL`` (credentials stay
in the environment, never in the repository); the database name from ``--mongo_db`` or
``$DEEP_BOTTLENECK_MONGO_DB`` (default ``deep_bottleneck``). If MongoDB cannot be reached at the
start, the run goes on in the file store with a plain message, unless MongoDB was required
(``--mongo_only`` or ``$DEEP_BOTTLENECK_MONGO_ONLY=1``); file-store runs can be imported later
(``python -m deep_bottleneck.cli.mongo_import``).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any

from deep_bottleneck.errors import ConfigError, DeepBottleneckError

DEFAULT_DB = "deep_bottleneck"


SERVER_SELECTION_TIMEOUT_MS = 3000


class MongoUnavailableError(DeepBottleneckError):
    """MongoDB was required but cannot be reached."""


@dataclass(frozen=True)
class MongoSettings:
    """How to reach MongoDB.

    Attributes:
        url: A ``mongodb://`` URL (may hold credentials: never print it unredacted).
        db_name: Database holding the ``runs``, ``metrics`` and GridFS collections.
        required: Fail instead of falling back to the file store when unreachable.
    """

    url: str
    db_name: str = DEFAULT_DB
    required: bool = False


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    return re.sub(r"(mongodb(?:\+srv)?://[^:/@]+):[^@]*@", r"\1:***@", url)


def settings_from_environment(url: str | None = None, db_name: str | None = None,
                              required: bool | None = None) -> MongoSettings | None:
    """Settings from explicit values, falling back to the environment; None when no URL is given."""
    given = url
    url = url or os.environ.get("DEEP_BOTTLENECK_MONGO_URL")
    if not url:
        return None
    if not re.match(r"mongodb(\+srv)?://\S", url):
        source = "--mongo_url" if given else "$DEEP_BOTTLENECK_MONGO_URL"
        raise ConfigError(f"{source} {redact(url)!r} is not a MongoDB URL; it starts with mongodb:// "
                               f"(e.g. mongodb://127.0.0.1:27017/).")
    if required is None:
        required = os.environ.get("DEEP_BOTTLENECK_MONGO_ONLY", "").lower() in ("1", "true", "yes")
    return MongoSettings(url, db_name or os.environ.get("DEEP_BOTTLENECK_MONGO_DB", DEFAULT_DB), bool(required))


def mongo_client(url: str):
    """A pymongo client that gives up quickly when the server is gone."""
    import pymongo

    return pymongo.MongoClient(url, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS)


def unreachable_reason(url: str) -> str | None:
    """None if the server answers ``ping``, else why not."""
    import pymongo

    client = mongo_client(url)
    try:
        client.admin.command("ping")
        return None
    except pymongo.errors.PyMongoError as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        client.close()


def reachable(settings: MongoSettings, nothing_done: str = "Nothing was run",
              file_store_only: str = "The run is stored in the file store only") -> bool:
    """Whether the server of ``settings`` answers; when it does not and MongoDB is not required, one line on stderr
    says so: ``file_store_only`` and how to import the run later.

    Raises:
        MongoUnavailableError: The server is unreachable and ``settings.required`` (the message ends with
            ``nothing_done``).
    """
    reason = unreachable_reason(settings.url)
    if reason is None:
        return True
    message = f"MongoDB at {redact(settings.url)} is unreachable ({reason})."
    if settings.required:
        raise MongoUnavailableError(f"{message} {nothing_done}; start the server or drop --mongo_only.")
    print(f"{message} {file_store_only}; import it later with 'python -m deep_bottleneck.cli.mongo_import'.",
          file=sys.stderr)
    return False


def mongo_observer(settings: MongoSettings):
    """Sacred's MongoObserver for ``settings``, or None (with a message) if the server is unreachable
    and MongoDB is not required.

    Raises:
        MongoUnavailableError: The server is unreachable and ``settings.required``.
    """
    from sacred.observers import MongoObserver

    if not reachable(settings):
        return None
    return MongoObserver(url=settings.url, db_name=settings.db_name,
                         serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS)


def content_type(name: str) -> str:
    """The MIME type an artifact is stored with, from its file name (Omniboard and incense read it); Sacred's
    own table, so runs stored directly and imported runs agree."""
    from sacred.observers.mongo import mimetype_detector

    return mimetype_detector.guess_type(name)[0] or "application/octet-stream"


def largest_mongo_run_id(runs: Any) -> int:
    """The largest integer run id in a MongoDB ``runs`` collection (0 when there is none)."""
    last = runs.find_one({"_id": {"$type": "number"}}, sort=[("_id", -1)], projection={"_id": 1})
    return int(last["_id"]) if last else 0
