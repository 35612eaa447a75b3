"""The rules the team keeps, checked: platform libraries stay in their adapters; modules stay readable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = {"telegram": "bot/channels/telegram/", "nio": "bot/channels/matrix/",
            "bot.channels.whatsapp": "bot/channels/whatsapp/"}  # a library (or our adapter) -> where it may be used


def python_files() -> list[Path]:
    return sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")])


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("bot.channels.whatsapp"):
                roots.add("bot.channels.whatsapp")
        if isinstance(node, ast.Import):
            roots |= {"bot.channels.whatsapp" for alias in node.names if alias.name.startswith("bot.channels.whatsapp")}
    return roots


# Outside the adapter only the composition (the CLI builds the channel, QR codes make wa.me links) names it.
WHATSAPP_USERS = {"bot/cli.py", "bot/qr.py"}


def test_only_the_adapters_import_platform_libraries() -> None:
    offenders = []
    for path in python_files():
        relative = path.relative_to(ROOT).as_posix()
        for library, adapter in ADAPTERS.items():
            inside = relative == adapter or (adapter.endswith("/") and relative.startswith(adapter))
            if library in imported_roots(path) and not inside and relative not in WHATSAPP_USERS:
                offenders.append(f"{relative} imports {library}")
    assert offenders == []


def test_modules_stay_readable_in_one_sitting() -> None:
    long = [f"{p.relative_to(ROOT)}: {n}" for p in python_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600]
    assert long == []


def test_every_module_uses_postponed_annotations() -> None:
    missing = [str(p.relative_to(ROOT)) for p in python_files()
               if p.stat().st_size > 0 and "from __future__ import annotations" not in p.read_text(encoding="utf-8")
               and p.name != "__main__.py" and ast.parse(p.read_text(encoding="utf-8")).body
               and any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                       for n in ast.parse(p.read_text(encoding="utf-8")).body)]
    assert missing == []


def test_room_commands_of_different_features_never_shadow_each_other() -> None:
    from handlers.registry import ROOM_COMMANDS

    seen: dict[str, str] = {}
    clashes = []
    for command in ROOM_COMMANDS:
        for word in command.words:
            if word in seen:
                clashes.append(f"!{word}: {seen[word]} and {command.handler.__module__}")
            seen[word] = command.handler.__module__
    assert clashes == []


def test_resident_commands_and_aliases_are_unique() -> None:
    from handlers.commands import COMMANDS

    words = [w for c in COMMANDS for w in (c.name, *c.aliases)]
    assert len(words) == len(set(words))


def test_the_engine_and_the_conversations_never_name_whatsapp() -> None:
    """Issue 16's rule: what is WhatsApp-specific (its window, templates, limits) lives in its adapter and the
    configuration; the outbox only hands each row's purpose to the channel."""
    named = [str(p.relative_to(ROOT)) for p in [*ROOT.glob("handlers/**/*.py"), ROOT / "bot/engine/outbox.py",
                                                ROOT / "bot/dialogue.py", ROOT / "bot/store/outbox.py"]
             if "whatsapp" in p.read_text(encoding="utf-8").lower()]
    assert named == []


# A transaction's calls (tx.one …) and any connection's or cursor's execute (conn.execute, cursor.executemany …).
DATABASE_CALL = re.compile(r"\btx\.(execute|one|all|value|many|defer)\(|\.execute(many|script)?\(")
DATABASE_DRIVERS = {"aiosqlite", "sqlite3", "asyncpg", "psycopg"}


def test_sql_lives_only_in_the_store() -> None:
    """Where is the SQL of feature X? In its store module: a database call anywhere else fails here."""
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in python_files()
                 if not p.relative_to(ROOT).as_posix().startswith("bot/store/")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if DATABASE_CALL.search(line)]
    offenders += [f"{p.relative_to(ROOT)} imports {sorted(found)}" for p in python_files()
                  if not p.relative_to(ROOT).as_posix().startswith("bot/store/")
                  and (found := imported_roots(p) & DATABASE_DRIVERS)]
    assert offenders == []


def test_the_rule_catches_connections_too() -> None:
    """The rule above reads lines: these are the forms it must see (bot/store/report.py runs on a connection)."""
    caught = ['await tx.one("SELECT 1")', 'async with self.conn.execute(sql, params) as cursor:',
              'await conn.executemany(sql, rows)', 'cursor.executescript(script)']
    assert all(DATABASE_CALL.search(line) for line in caught)
    assert not DATABASE_CALL.search("await deliberation.execute_plan(tx)")


def store_imports(path: Path) -> list[str]:
    """The imports of bot.store in a module (``import bot.store.x``, ``from bot.store… import``, ``from bot import
    store``), wherever they sit (also inside functions or ``if TYPE_CHECKING:``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "bot.store" or a.name.startswith("bot.store.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "bot.store" or node.module.startswith("bot.store."):
                found.append(node.module)
            elif node.module == "bot" and any(a.name == "store" for a in node.names):
                found.append("bot.store")
    return found


def test_handlers_call_the_engine_not_the_store() -> None:
    """A conversation asks the engine (bot/engine/) for what it needs; records it names come from the engine's
    re-exports (e.g. ``from bot.engine.polls import PollRecord``), so no handler module imports bot.store."""
    offenders = [f"{p.relative_to(ROOT)} imports {name}" for p in sorted(ROOT.glob("handlers/**/*.py"))
                 for name in store_imports(p)]
    assert offenders == []


def test_store_imports_are_seen_in_every_form(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nimport bot.store.polls\nfrom bot import store\n"
                      "if TYPE_CHECKING:\n    from bot.store.polls import PollRecord\n"
                      "def f():\n    from bot.store import residents\n", encoding="utf-8")
    assert sorted(store_imports(module)) == ["bot.store", "bot.store", "bot.store.polls", "bot.store.polls"]


PLATFORM_NAME = re.compile(r"[\"'](matrix|telegram|whatsapp)[\"']")


def test_the_engine_names_no_platform() -> None:
    """Destinations come from the configuration as addresses; channel conventions from bot/channels/."""
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted(ROOT.glob("bot/engine/**/*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if PLATFORM_NAME.search(line)]
    assert offenders == []


def test_features_install_their_jobs_and_hooks_one_way() -> None:
    """Every engine module that wires itself into the app does it with install(scheduler, dispatcher, services),
    and the app installs each of them; nothing else registers jobs or outbox hooks in bot/app.py."""
    import inspect

    from bot import app

    installers = set()
    for path in sorted(ROOT.glob("bot/engine/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "install":
                assert [a.arg for a in node.args.args] == ["scheduler", "dispatcher", "services"], path.name
                installers.add(f"bot.engine.{path.stem}")
    assert {module.__name__ for module in app.FEATURES} == installers
    source = inspect.getsource(app)
    assert ".on_sent(" not in source and ".daily(" not in source
