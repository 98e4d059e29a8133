"""People who may sign in to the web admin, with argon2id-hashed passwords, and their failed sign-ins.

A failed check costs the same time whether or not the name exists, so the
login form does not tell an attacker which names are real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from store.audit import log_change
from store.db import Sessions
from store.models import LoginFailure, User

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


# --------------------------------------------------------------------------- failed sign-ins


def _failure_name(name: str) -> str:
    """The key a typed name is limited under: case does not make another name."""
    return name.strip().lower()[:64]


def record_login_failure(
    sessions: Sessions, address: str, name: str, *, now: datetime, forget_before: datetime
) -> None:
    """Note a failed sign-in; failures older than ``forget_before`` are dropped on the way."""
    with sessions() as s, s.begin():
        s.execute(delete(LoginFailure).where(LoginFailure.at < forget_before))
        s.add(LoginFailure(at=now, address=address[:64], name=_failure_name(name)))


@dataclass(frozen=True)
class RecentFailures:
    """Times of failed sign-ins since a moment, oldest first."""

    pair: tuple[datetime, ...]  # from this address for this name
    address: tuple[datetime, ...]  # from this address for any name


def login_failures(sessions: Sessions, address: str, name: str, since: datetime) -> RecentFailures:
    """Failures after ``since`` (one exactly ``since`` old has left the window)."""
    with sessions() as s:
        rows = s.execute(
            select(LoginFailure.at, LoginFailure.name)
            .where(LoginFailure.address == address[:64], LoginFailure.at > since)
            .order_by(LoginFailure.at, LoginFailure.id)
        ).all()
    key = _failure_name(name)
    return RecentFailures(tuple(at for at, n in rows if n == key), tuple(at for at, _ in rows))


def clear_login_failures(sessions: Sessions, address: str, name: str) -> None:
    """Forget this address's failures for this name (it has just signed in)."""
    with sessions() as s, s.begin():
        s.execute(
            delete(LoginFailure).where(
                LoginFailure.address == address[:64], LoginFailure.name == _failure_name(name)
            )
        )


def unlock_user(sessions: Sessions, name: str, *, actor: str, now: datetime) -> int:
    """Forget every failed sign-in for ``name``, from any address; how many there were."""
    with sessions() as s, s.begin():
        done = s.execute(delete(LoginFailure).where(LoginFailure.name == _failure_name(name)))
        cleared = int(getattr(done, "rowcount", 0) or 0)
        if cleared:
            log_change(
                s,
                at=now,
                actor=actor,
                action="user-unlock",
                target=name,
                old=f"{cleared} failed sign-in(s)",
                new=None,
            )
        return cleared
