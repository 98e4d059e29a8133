"""Reading Authentication-Results (RFC 8601) and DMARC's relaxed alignment (RFC 7489 3.1).

Anyone can write an Authentication-Results header: only the one the receiving server
added says anything. `believed` picks it: the topmost header whose authserv-id is exactly
one the config trusts (no case or trailing-dot variants), or, for Microsoft 365, which
writes no authserv-id at all, the topmost header without one (`MICROSOFT_365`). Comments
are dropped before reading (Gmail's quote the envelope sender, which the sender chooses).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

# The pseudo authserv-id naming Microsoft 365 (Exchange Online): its header has no id.
MICROSOFT_365 = "microsoft-365"
MAX_HEADER_CHARS = 20_000  # a real header is well under 2,000; the rest is not read

_METHOD = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*)(?:/[0-9]+)?\s*=\s*([A-Za-z0-9_-]+)")
_PROPERTY = re.compile(r"([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?)\s*=\s*(\"[^\"]*\"|[^\s;]+)")


@dataclass(frozen=True)
class MethodResult:
    method: str  # spf, dkim, dmarc, compauth, arc …, lower case
    result: str  # pass, fail, none, softfail …, lower case
    properties: dict[str, str] = field(default_factory=dict)  # "smtp.mailfrom", "reason" …


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str | None  # None: Microsoft 365's form, which starts with a result
    results: tuple[MethodResult, ...]

    def first(self, method: str) -> MethodResult | None:
        return next((r for r in self.results if r.method == method), None)

    def all(self, method: str) -> tuple[MethodResult, ...]:
        return tuple(r for r in self.results if r.method == method)


def _without_comments(value: str) -> str:
    """The value with (nested) comments removed; quoted strings kept as they are."""
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if not depth:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if not depth:
                out.append(char)
        elif quoted:
            quoted = char != '"'
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            quoted = char == '"'
            out.append(char)
    return "".join(out)


def parse(value: str) -> AuthResults | None:
    """One Authentication-Results value; None if it is not one at all."""
    text = " ".join(_without_comments(value[:MAX_HEADER_CHARS]).split())
    pieces = [p.strip() for p in text.split(";")]
    if not pieces or not pieces[0]:
        return None
    head = pieces[0]
    authserv: str | None
    if _METHOD.match(head):
        authserv, resinfos = None, pieces  # Microsoft 365: no authserv-id
    else:
        authserv, resinfos = head.split()[0], pieces[1:]
    results: list[MethodResult] = []
    for resinfo in resinfos:
        found = _METHOD.match(resinfo)
        if not found:
            continue
        props = {k.lower(): v.strip('"') for k, v in _PROPERTY.findall(resinfo[found.end() :])}
        results.append(MethodResult(found.group(1).lower(), found.group(2).lower(), props))
    return AuthResults(authserv, tuple(results))


def believed(values: Sequence[str], trusted: Sequence[str]) -> AuthResults | None:
    """The header the receiving server added, or None.

    With ids configured: the topmost header whose authserv-id is exactly one of them
    (Microsoft 365's pseudo-id: the topmost without one); copies lower down are forgeries
    or another hop's. With none configured: the topmost header, whatever its id.
    """
    for value in values:
        parsed = parse(value)
        if parsed is None:
            continue
        if not trusted:
            return parsed
        if parsed.authserv_id is None:
            if MICROSOFT_365 in trusted:
                return parsed
        elif parsed.authserv_id in trusted and parsed.authserv_id != MICROSOFT_365:
            return parsed
    return None


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def domain_of(value: str) -> str:
    """The domain of an address or a domain (`@example.org`, `x@Example.ORG.`), lower case."""
    return value.strip().strip('"').rpartition("@")[2].rstrip(".").lower()


@lru_cache(maxsize=1024)
def organizational_domain(domain: str) -> str:
    """The registrable domain under the Public Suffix List (`mail.dienbien.gov.vn` → …)."""
    domain = domain.rstrip(".").lower()
    try:
        found = _psl().privatesuffix(domain)
    except (ValueError, UnicodeError):  # a name the list cannot read: compare it as is
        found = None
    return found or domain


def aligned(domain: str, sender_domain: str) -> bool:
    """Relaxed alignment: both share one organizational domain."""
    if not domain or not sender_domain:
        return False
    return organizational_domain(domain) == organizational_domain(sender_domain)
