"""The README lists every setting the code reads."""
from __future__ import annotations

from pathlib import Path

from engine.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = [name for name, _, _ in Settings.describe() if f"`{name}`" not in README]
    assert not missing, f"README does not list {missing}"


def test_settings_come_from_prefixed_variables() -> None:
    s = Settings.from_env({"MOTCUA_DB_POOL_SIZE": "9", "MOTCUA_SCRIPT_TIME_LIMIT": "0.5",
                           "OTHER": "x"})
    assert s.db_pool_size == 9 and s.script_time_limit == 0.5 and s.embedded
