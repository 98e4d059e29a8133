"""The audit log: who changed which mapping, count or user, when, and from what to what.

A change writes its entry with `log_change` inside its own transaction, so the
log cannot miss one; `audit_entries` reads the log back as plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import Sessions
from store.models import AuditEntry


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    old: str | None
    new: str | None


def log_change(
    s: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    old: str | None,
    new: str | None,
) -> None:
    """Add an entry to the caller's transaction: it lands with the change, or neither does."""
    s.add(AuditEntry(at=at, actor=actor, action=action, target=target, old=old, new=new))


def audit_entries(
    sessions: Sessions, *, limit: int = 100, action: str | None = None, target: str | None = None
) -> list[AuditRow]:
    """The latest audit entries, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if target:
        stmt = stmt.where(AuditEntry.target.contains(target))
    with sessions() as s:
        return [
            AuditRow(e.id, e.at, e.actor, e.action, e.target, e.old, e.new) for e in s.scalars(stmt)
        ]
