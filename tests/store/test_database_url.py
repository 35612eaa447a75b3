"""One setting picks the engine (issue 17, point 1): ``database.url``, ``sqlite:///…`` or ``postgresql://…`` with an
optional schema, secrets by ``env:NAME``; the older ``database.path`` keeps working; ``check-config`` connects to
PostgreSQL and says clearly what failed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import ConfigError, parse
from bot.store.url import DatabaseUrl
from tests.pg import SERVER
from tests.support import BASE, Person, Recorder, make_config, schema_for
from tests.test_cli import example_config, wijkbot


def config_with(database: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    data = copy.deepcopy(BASE)
    data["database"] = database
    return parse(data, Path("/srv/wijkbot"), env or {})


def test_the_url_names_the_engine_and_the_old_path_still_works() -> None:
    assert config_with({"path": "data/w.sqlite3"}).database == DatabaseUrl.sqlite("/srv/wijkbot/data/w.sqlite3")
    assert config_with({"url": "sqlite:///data/w.sqlite3"}).database == DatabaseUrl.sqlite(
        "/srv/wijkbot/data/w.sqlite3")  # relative to the config file, as path is
    assert config_with({"url": "sqlite:////var/lib/w.sqlite3"}).database == DatabaseUrl.sqlite("/var/lib/w.sqlite3")
    pg = config_with({"url": "env:DB", "schema": "utrecht"}, {"DB": "postgresql://bot:geheim@db.example/wijk"})
    assert pg.database == DatabaseUrl("postgresql", dsn="postgresql://bot:geheim@db.example/wijk", schema="utrecht")
    assert pg.database.shown == "postgresql://bot@db.example/wijk (schema utrecht)"  # never the password
    assert config_with({"url": "postgresql://bot@db.example/wijk"}).database.schema == "public"


@pytest.mark.parametrize(("database", "problem"), [
    ({"url": "mysql://x/y"}, "database.url: must start with sqlite:/// or postgresql://"),
    ({"url": "sqlite://data.sqlite3"}, "database.url: write sqlite:///data/wijkbot.sqlite3"),
    ({"url": "postgresql://db.example"}, "database.url: name the database"),
    ({"url": "postgresql://db.example/w", "schema": "Gemeente Utrecht"}, "database.schema: lower-case letters"),
    ({"path": "w.sqlite3", "schema": "utrecht"}, "database.schema: is for PostgreSQL only"),
    ({"path": "w.sqlite3", "url": "sqlite:///w.sqlite3"}, "database.path: give database.url or database.path"),
    ({"url": "env:NOT_SET"}, "database.url: environment variable NOT_SET is not set"),
])
def test_a_wrong_database_setting_is_named(database: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_with(database)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


@pytest.mark.postgresql_only
def test_check_config_connects_to_postgresql_and_says_what_failed(tmp_path: Path, engine: str) -> None:
    config = example_config(tmp_path)
    text = config.read_text()
    server = SERVER.rsplit(":", 1)[0]
    for url, expected in ((f"{server}:1/wijkbot", "cannot be reached (is PostgreSQL running, and are host and"
                           " port right?)"),
                          (f"{SERVER}/no_such_database_here", "does not exist; create it (createdb) or fix"
                           " database.url")):
        config.write_text(text.replace('path = "data/wijkbot.sqlite3"', f'url = "{url}"'))
        result = wijkbot("check-config", str(config), cwd=tmp_path)
        assert result.returncode == 1
        assert result.stdout.startswith("database.url: the database postgresql://") and expected in result.stdout
    config.write_text(text.replace('path = "data/wijkbot.sqlite3"',
                                   f'url = "{SERVER}/postgres"\nschema = "{schema_for(tmp_path)}"'))
    result = wijkbot("check-config", str(config), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stdout + result.stderr


async def test_one_server_holds_many_municipalities_one_schema_each(tmp_path: Path, engine: str) -> None:
    """Two municipalities on one PostgreSQL database, each in its own schema: neither sees the other's residents."""
    apps = [App(make_config(tmp_path / town), [Recorder("telegram")]) for town in ("utrecht", "zeist")]
    for app in apps:
        await app.start(background=False)
    try:
        await Person(apps[0], "anna").onboard()
        counts = []
        for app in apps:
            async with app.db.transaction() as tx:
                counts.append(await tx.value("SELECT COUNT(*) FROM residents"))
        assert counts == [1, 0]
    finally:
        for app in apps:
            await app.stop()
    if engine == "postgresql":
        assert apps[0].db.url.schema != apps[1].db.url.schema


