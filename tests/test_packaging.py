"""An installed wijkbot (a wheel, not a checkout) carries its translations and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_contains_catalogs_and_migrations(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=120)
    [wheel] = tmp_path.glob("wijkbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("nl", "en", "tr", "ar", "pl"):
        assert f"bot/_locales/{language}/LC_MESSAGES/messages.po" in names
    migrations = sorted(p.name for p in (ROOT / "bot" / "store" / "migrations").glob("*.sql"))
    assert {f"bot/store/migrations/{name}" for name in migrations} <= names
    sources = {p.relative_to(ROOT).as_posix() for p in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]}
    assert sources - names == set()  # every module, in every (sub)package
