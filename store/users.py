"""People who may sign in to the web admin, with argon2id-hashed passwords.

A failed check costs the same time whether or not the name exists, so the
login form does not tell an attacker which names are real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from store.audit import log_change
from store.db import Sessions
from store.models import User

ROLES: tuple[str, ...] = ("admin", "editor")
MIN_PASSWORD = 8

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so both paths take as long (made on first use)."""
    return _hasher.hash("not a password anyone has")


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    created_at: datetime
    session_epoch: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def add_user(
    sessions: Sessions, name: str, password: str, role: str, *, actor: str, now: datetime
) -> bool:
    """Create a user, or set the password and role of an existing one; True when created."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ValueError(
            f"the password is shorter than {MIN_PASSWORD} characters — choose a longer one"
        )
    hashed = _hasher.hash(password)
    with sessions() as s, s.begin():
        row = s.scalar(select(User).where(User.name == name))
        old = None if row is None else row.role
        if row is None:
            s.add(User(name=name, password_hash=hashed, role=role, created_at=now))
        else:
            row.password_hash, row.role = hashed, role
            row.session_epoch += 1  # a new password ends the sessions signed in with the old one
        what = "user-add" if row is None else "user-update"
        log_change(s, at=now, actor=actor, action=what, target=name, old=old, new=role)
        return row is None


def remove_user(sessions: Sessions, name: str, *, actor: str, now: datetime) -> bool:
    with sessions() as s, s.begin():
        row = s.scalar(select(User).where(User.name == name))
        if row is None:
            return False
        s.delete(row)
        log_change(
            s, at=now, actor=actor, action="user-remove", target=name, old=row.role, new=None
        )
        return True


def _row(u: User) -> UserRow:
    return UserRow(u.name, u.role, u.created_at, u.session_epoch)


def list_users(sessions: Sessions) -> list[UserRow]:
    with sessions() as s:
        return [_row(u) for u in s.scalars(select(User).order_by(User.name))]


def get_user(sessions: Sessions, name: str) -> UserRow | None:
    with sessions() as s:
        row = s.scalar(select(User).where(User.name == name))
        return None if row is None else _row(row)


def end_sessions(sessions: Sessions, name: str) -> None:
    """Sign ``name`` out everywhere: a copied cookie stops working too."""
    with sessions() as s, s.begin():
        row = s.scalar(select(User).where(User.name == name))
        if row is not None:
            row.session_epoch += 1


def authenticate(sessions: Sessions, name: str, password: str) -> UserRow | None:
    """The user when ``password`` is theirs, else None (same cost either way)."""
    with sessions() as s:
        row = s.scalar(select(User).where(User.name == name))
        stored = row.password_hash if row is not None else _dummy_hash()
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _hasher.check_needs_rehash(stored):
            row.password_hash = _hasher.hash(password)
            s.commit()
        return _row(row)
