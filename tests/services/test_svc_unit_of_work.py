"""One unit of work that nests: a use case inside another's transaction joins it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput
from itexit.store.models import AuditRow
from vaulthelpers import populated


def _audit_rows(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRow)) or 0)


def test_a_nested_transaction_joins_the_outer_and_fails_with_it(tmp_path: Path) -> None:
    vault = populated(tmp_path / "v.sqlite", credentials=0)
    ctx = vault.manager.ctx
    with ctx.reading() as session:
        before = _audit_rows(session)
    with pytest.raises(BadInput), ctx.transaction() as outer:
        ctx.record(outer, "test.outer")
        with ctx.transaction() as inner:
            assert inner is outer
            ctx.record(inner, "test.inner")
            with ctx.reading() as reading:  # a read inside sees the writes not yet committed
                assert reading is outer and _audit_rows(reading) == before + 2
        raise BadInput("the outer use case fails after the inner one finished")
    with ctx.reading() as session:
        assert _audit_rows(session) == before  # neither the outer's nor the inner's row
    with ctx.transaction() as outer:
        with ctx.transaction() as inner:
            ctx.record(inner, "test.inner")
        ctx.record(outer, "test.outer")
    with ctx.reading() as session:
        assert _audit_rows(session) == before + 2
    assert vault.manager.verify_audit().ok


def test_another_thread_never_joins(tmp_path: Path) -> None:
    vault = populated(tmp_path / "v.sqlite", credentials=0)
    ctx = vault.manager.ctx
    seen: list[bool] = []
    with ctx.reading() as mine:

        def other() -> None:
            with ctx.reading() as theirs:
                seen.append(theirs is mine)

        worker = threading.Thread(target=other)
        worker.start()
    worker.join()
    assert seen == [False]
