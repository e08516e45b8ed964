import pytest

from deep_bottleneck.store.mongo import (
    MongoSettings,
    MongoUnavailableError,
    mongo_observer,
    redact,
    settings_from_environment,
    unreachable_reason,
)
from tests.conftest import free_port


def test_passwords_are_redacted():
    assert redact("mongodb://user:s3cret@host:27017/db") == "mongodb://user:***@host:27017/db"
    assert redact("mongodb://host:27017/") == "mongodb://host:27017/"


def test_settings_come_from_arguments_then_environment(monkeypatch):
    monkeypatch.delenv("DEEP_BOTTLENECK_MONGO_URL", raising=False)
    assert settings_from_environment() is None
    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_URL", "mongodb://env:1/")
    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_ONLY", "1")
    assert settings_from_environment() == MongoSettings("mongodb://env:1/", "deep_bottleneck", True)
    assert settings_from_environment("mongodb://flag:2/", "other").url == "mongodb://flag:2/"


def test_unreachable_server_falls_back_with_a_plain_message(capsys):
    url = f"mongodb://127.0.0.1:{free_port()}/"
    assert "ServerSelectionTimeoutError" in unreachable_reason(url)
    assert mongo_observer(MongoSettings(url)) is None
    assert "is unreachable" in capsys.readouterr().err


def test_unreachable_server_is_an_error_when_mongo_is_required():
    with pytest.raises(MongoUnavailableError, match="Nothing was run"):
        mongo_observer(MongoSettings(f"mongodb://u:pw@127.0.0.1:{free_port()}/", required=True))


def test_reachable_server_gives_a_mongo_observer(mongo_server):
    assert type(mongo_observer(MongoSettings(mongo_server.url))).__name__ == "MongoObserver"
