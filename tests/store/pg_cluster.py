"""A PostgreSQL database of its own for the cluster tests (127.0.0.1:5432, user postgres, trust), dropped after."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
async def pg_dsn() -> AsyncIterator[str]:
    name = f"wijkbot_cluster_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        conn = await asyncpg.connect(f"{SERVER}/{name}")
        await conn.execute("CREATE TABLE send_budget (name TEXT PRIMARY KEY, next_slot DOUBLE PRECISION NOT NULL)")
        await conn.close()
        yield f"{SERVER}/{name}"
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def gone(dsn: str, pid: int) -> None:
    """Wait until PostgreSQL has ended the session of a connection whose socket was closed (as after kill -9)."""
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(1000):
            if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                return
            await asyncio.sleep(0.005)
        raise AssertionError(f"session {pid} did not end")
    finally:
        await conn.close()
