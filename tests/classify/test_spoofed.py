"""Spoofed senders (issue 12, part 6): which Authentication-Results is believed, and what it says.

A table of real-format headers, as Gmail (`mx.google.com`) and Microsoft 365 (no
authserv-id; `compauth=` and `reason=`) write them, topmost first, each with the outcome
the message must get. Addresses are under example.org/.net/.com; the formats are real.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify import classify
from classify.auth import MICROSOFT_365, aligned, believed, organizational_domain, parse
from classify.context import ClassifyContext
from classify.labels import code_of
from ingest.parse import parse_message
from texts import outcome_label, reason_text

GMAIL = ("mx.google.com",)
M365 = (MICROSOFT_365,)
UNIT = "tuangiao@example.org"
IP = "209.85.220.41"


def gmail(*results: str, authserv: str = "mx.google.com") -> str:
    return f"{authserv};\r\n       " + ";\r\n       ".join(results)


def g_dkim(result: str, domain: str) -> str:
    return f"dkim={result} header.i=@{domain} header.s=20230601 header.b=Ab3dEf9h"


def g_spf(result: str, mailfrom: str) -> str:
    verb = {
        "pass": f"designates {IP} as permitted sender",
        "fail": f"does not designate {IP} as permitted sender",
        "softfail": f"transitioning domain of {mailfrom} does not designate {IP} as permitted sender",
        "neutral": f"{IP} is neither permitted nor denied by domain of {mailfrom}",
    }[result]
    return f"spf={result} (google.com: domain of {mailfrom} {verb}) smtp.mailfrom={mailfrom}"


def g_dmarc(result: str, domain: str, policy: str = "NONE") -> str:
    return f"dmarc={result} (p={policy} sp={policy} dis=NONE) header.from={domain}"


def m365(  # noqa: PLR0917 — each a field of the real header
    spf: str = "pass",
    mailfrom: str = "example.org",
    dkim: str = "pass",
    header_d: str = "example.org",
    dmarc: str = "pass",
    action: str = "none",
    header_from: str = "example.org",
    compauth: str = "pass",
    reason: str = "100",
) -> str:
    signed = "signature was verified" if dkim == "pass" else "message not signed"
    return (
        f"spf={spf} (sender IP is 40.107.22.53)\r\n smtp.mailfrom={mailfrom}; dkim={dkim}"
        f" ({signed})\r\n header.d={header_d};dmarc={dmarc} action={action}\r\n"
        f" header.from={header_from};compauth={compauth} reason={reason}"
    )


class Row(NamedTuple):
    id: str
    trusted: tuple[str, ...]
    headers: tuple[str, ...]  # Authentication-Results values, topmost first
    status: str  # counted | needs-review
    code: str  # the reason's code when set aside; the note's code when counted
    sender: str = UNIT
    extra: tuple[tuple[str, str], ...] = ()


GOOD = gmail(g_dkim("pass", "example.org"), g_spf("pass", UNIT), g_dmarc("pass", "example.org"))
FAIL = gmail(
    g_dkim("fail", "example.org"), g_spf("fail", UNIT), g_dmarc("fail", "example.org", "REJECT")
)
M_GOOD = m365()
M_FAIL = m365(
    spf="fail",
    dkim="none",
    header_d="none",
    dmarc="fail",
    action="oreject",
    compauth="fail",
    reason="000",
)

ROWS: tuple[Row, ...] = (
    # Gmail, trusted as mx.google.com
    Row("g-all-pass", GMAIL, (GOOD,), "counted", "spoofed.results"),
    Row("g-dmarc-fail-reject", GMAIL, (FAIL,), "needs-review", "spoofed.dmarc-fail"),
    Row(
        "g-dmarc-fail-p-none",
        GMAIL,
        (gmail(g_spf("softfail", UNIT), g_dmarc("fail", "example.org")),),
        "needs-review",
        "spoofed.dmarc-fail",
    ),
    Row(
        "g-dmarc-pass-subdomains",
        GMAIL,
        (
            gmail(
                g_dkim("pass", "mail.example.org"),
                g_spf("pass", "bounce@bounce.example.org"),
                g_dmarc("pass", "example.org"),
            ),
        ),
        "counted",
        "spoofed.results",
    ),
    Row(
        "g-dkim-pass-other-domain",
        GMAIL,
        (gmail(g_dkim("pass", "example.net"), g_spf("neutral", UNIT)),),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "g-spf-pass-other-domain",
        GMAIL,
        (gmail(g_spf("pass", "bounces@example.net")),),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "g-both-pass-other-domain",
        GMAIL,
        (gmail(g_dkim("pass", "example.com"), g_spf("pass", "x@example.net")),),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "g-spf-aligned-subdomain",
        GMAIL,
        (gmail(g_spf("pass", "x@bounce.example.org")),),
        "counted",
        "spoofed.results",
    ),
    Row(
        "g-dkim-aligned-spf-other",
        GMAIL,
        (gmail(g_dkim("pass", "example.org"), g_spf("pass", "x@example.net")),),
        "counted",
        "spoofed.results",
    ),
    Row(
        "g-spf-softfail-unsigned",
        GMAIL,
        (gmail(g_spf("softfail", UNIT)),),
        "needs-review",
        "spoofed.spf-failed",
    ),
    Row(
        "g-spf-fail-unsigned",
        GMAIL,
        (gmail(g_spf("fail", UNIT)),),
        "needs-review",
        "spoofed.spf-failed",
    ),
    Row(
        "g-spf-neutral-unsigned",
        GMAIL,
        (gmail(g_spf("neutral", UNIT)),),
        "counted",
        "spoofed.results",
    ),
    Row(
        "g-header-from-another-domain",
        GMAIL,
        (gmail(g_dkim("pass", "example.net"), g_dmarc("pass", "example.net")),),
        "needs-review",
        "spoofed.other-domain",
    ),
    Row(
        "g-header-from-case-and-dot",
        GMAIL,
        (gmail(g_dkim("pass", "example.org"), g_dmarc("pass", "Example.ORG.")),),
        "counted",
        "spoofed.results",
    ),
    Row("g-forged-pass-below-real-fail", GMAIL, (FAIL, GOOD), "needs-review", "spoofed.dmarc-fail"),
    Row("g-forged-fail-below-real-pass", GMAIL, (GOOD, FAIL), "counted", "spoofed.results"),
    Row(
        "g-trailing-dot-id-above-real",
        GMAIL,
        (gmail(g_dmarc("pass", "example.org"), authserv="mx.google.com."), FAIL),
        "needs-review",
        "spoofed.dmarc-fail",
    ),
    Row(
        "g-upper-case-id-above-real",
        GMAIL,
        (
            gmail(g_dmarc("pass", "example.org"), authserv="MX.GOOGLE.COM"),
            gmail(g_spf("pass", "x@example.net")),
        ),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "g-look-alike-id-above-real",
        GMAIL,
        (gmail(g_dmarc("pass", "example.org"), authserv="mx.google.com.example.net"), FAIL),
        "needs-review",
        "spoofed.dmarc-fail",
    ),
    Row(
        "g-only-a-forged-id",
        GMAIL,
        (gmail(g_dmarc("fail", "example.org"), authserv="mx.google.com."),),
        "counted",
        "spoofed.no-header",
    ),
    Row(
        "g-arc-results-are-not-believed",
        GMAIL,
        (FAIL,),
        "needs-review",
        "spoofed.dmarc-fail",
        extra=(("ARC-Authentication-Results", "i=1; " + GOOD),),
    ),
    Row(
        "g-results-in-a-comment",
        GMAIL,
        (
            gmail(
                "spf=pass (google.com: domain of x@example.net designates; dkim=pass"
                " header.d=example.org; dmarc=pass header.from=example.org) smtp.mailfrom=x@example.net"
            ),
        ),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "g-two-signatures-one-aligned",
        GMAIL,
        (gmail(g_dkim("pass", "example.net"), g_dkim("pass", "example.org")),),
        "counted",
        "spoofed.results",
    ),
    Row(
        "g-dkim-fail-aligned-spf-pass-other",
        GMAIL,
        (gmail(g_dkim("fail", "example.org"), g_spf("pass", "x@example.net")),),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "g-dmarc-temperror-spf-aligned",
        GMAIL,
        (gmail(g_spf("pass", UNIT), "dmarc=temperror header.from=example.org"),),
        "counted",
        "spoofed.results",
    ),
    Row(
        "g-sender-on-a-subdomain",
        GMAIL,
        (gmail(g_dkim("pass", "example.org"), g_dmarc("pass", "mail.example.org")),),
        "counted",
        "spoofed.results",
        sender="tin@mail.example.org",
    ),
    Row(
        "g-display-name-is-not-the-sender",
        GMAIL,
        (gmail(g_dkim("pass", "example.net"), g_dmarc("pass", "example.org")),),
        "needs-review",
        "spoofed.other-domain",
        sender='"tuangiao@example.org" <a@example.net>',
    ),
    Row(
        "g-display-name-passes-for-its-address",
        GMAIL,
        (gmail(g_dkim("pass", "example.net"), g_dmarc("pass", "example.net")),),
        "counted",
        "spoofed.results",
        sender="tuangiao@example.org <a@example.net>",
    ),
    Row(
        "g-double-at-sign",
        GMAIL,
        (gmail(g_spf("pass", "a@example.net"), g_dmarc("pass", "example.net")),),
        "needs-review",
        "spoofed.ambiguous-from",
        sender="a@example.net@example.org",
    ),
    Row(
        # Gmail before RFC 7001 wrote smtp.mail= (flanker's and mikel's corpus messages)
        "g-old-smtp-mail",
        GMAIL,
        (
            gmail(
                f"spf=pass (google.com: domain of {UNIT} designates {IP} as permitted sender)"
                f" smtp.mail={UNIT}",
                "dkim=pass (test mode) header.i=@example.net",
            ),
        ),
        "counted",
        "spoofed.results",
    ),
    Row("g-no-header", GMAIL, (), "counted", "spoofed.no-header"),
    Row("g-m365-header-not-trusted", GMAIL, (M_FAIL,), "counted", "spoofed.no-header"),
    # Microsoft 365: no authserv-id, trusted as the pseudo-id "microsoft-365"
    Row("m-pass", M365, (M_GOOD,), "counted", "spoofed.results"),
    Row("m-dmarc-fail-oreject", M365, (M_FAIL,), "needs-review", "spoofed.dmarc-fail"),
    Row(
        "m-compauth-fail-implicit",
        M365,
        (
            m365(
                spf="none",
                dkim="none",
                header_d="none",
                dmarc="none",
                compauth="fail",
                reason="001",
            ),
        ),
        "needs-review",
        "spoofed.compauth-fail",
    ),
    Row(
        "m-compauth-fail-intra-org",
        M365,
        (m365(dkim="none", header_d="none", dmarc="none", compauth="fail", reason="601"),),
        "needs-review",
        "spoofed.compauth-fail",
    ),
    Row(
        "m-softpass-nothing-checked",
        M365,
        (
            m365(
                spf="none",
                dkim="none",
                header_d="none",
                dmarc="none",
                compauth="softpass",
                reason="201",
            ),
        ),
        "counted",
        "spoofed.results",
    ),
    Row(
        "m-spf-pass-other-domain",
        M365,
        (
            m365(
                mailfrom="example.net",
                dkim="none",
                header_d="none",
                dmarc="none",
                compauth="softpass",
                reason="201",
            ),
        ),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "m-dkim-pass-other-domain-compauth-pass",
        M365,
        (m365(spf="none", header_d="example.net", dmarc="none", reason="109"),),
        "needs-review",
        "spoofed.not-aligned",
    ),
    Row(
        "m-bestguesspass",
        M365,
        (m365(dmarc="bestguesspass", reason="109"),),
        "counted",
        "spoofed.results",
    ),
    Row(
        "m-arc-override-still-dmarc-fail",
        M365,
        (m365(spf="fail", dkim="fail", dmarc="fail", reason="130"),),
        "needs-review",
        "spoofed.dmarc-fail",
    ),
    Row(
        "m-jitbit-corpus-shape",
        M365,
        (
            "spf=none (sender IP is 185.132.181.12)\r\n smtp.helo=dispatchb-eu1.example.net;"
            " dkim=none (message not signed)\r\n header.d=none;dmarc=fail action=none\r\n"
            " header.from=example.org;compauth=softpass reason=202",
        ),
        "needs-review",
        "spoofed.dmarc-fail",
    ),
    Row(
        "m-spf-softfail-compauth-none",
        M365,
        (
            m365(
                spf="softfail",
                dkim="none",
                header_d="none",
                dmarc="none",
                compauth="none",
                reason="405",
            ),
        ),
        "needs-review",
        "spoofed.spf-failed",
    ),
    Row(
        "m-header-from-another-domain",
        M365,
        (m365(mailfrom="example.net", header_d="example.net", header_from="example.net"),),
        "needs-review",
        "spoofed.other-domain",
    ),
    Row("m-forged-gmail-below", M365, (M_FAIL, GOOD), "needs-review", "spoofed.dmarc-fail"),
    Row("m-forged-no-id-below", M365, (M_GOOD, M_FAIL), "counted", "spoofed.results"),
    Row(
        "m-pseudo-id-written-literally",
        M365,
        (f"{MICROSOFT_365}; dmarc=pass header.from=example.org", M_FAIL),
        "needs-review",
        "spoofed.dmarc-fail",
    ),
    Row(
        "m-original-results-not-believed",
        M365,
        (M_FAIL,),
        "needs-review",
        "spoofed.dmarc-fail",
        extra=(("Authentication-Results-Original", M_GOOD),),
    ),
    Row("gmail-and-m365-trusted", (*GMAIL, *M365), (M_GOOD, FAIL), "counted", "spoofed.results"),
    # No trusted id configured: the topmost header is read, whoever wrote it
    Row("untrusted-topmost-fail", (), (FAIL, GOOD), "needs-review", "spoofed.dmarc-fail"),
    Row("untrusted-topmost-m365", (), (M_GOOD, FAIL), "counted", "spoofed.results"),
    Row(
        "untrusted-other-domain",
        (),
        (gmail(g_dmarc("pass", "example.net"), authserv="mx.example.net"),),
        "needs-review",
        "spoofed.other-domain",
    ),
)


def _raw(row: Row) -> bytes:
    lines = [f"Authentication-Results: {value}" for value in row.headers]
    lines += [f"{name}: {value}" for name, value in row.extra]
    lines += [
        f"From: {row.sender}",
        "To: tinbai@example.org",
        "Subject: [Tin] Hội nghị",
        "Date: Mon, 11 May 2020 09:00:00 +0700",
        "Message-ID: <auth@example.org>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Kính gửi Ban Tuyên giáo, đơn vị gửi tin.",
    ]
    return "\r\n".join(lines).encode() + b"\r\n"


def test_the_matrix_has_forty_real_format_headers() -> None:
    assert len(ROWS) >= 40
    assert len({r.id for r in ROWS}) == len(ROWS)
    assert sum(r.trusted == GMAIL for r in ROWS) >= 20
    assert sum(r.trusted == M365 for r in ROWS) >= 15


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_authentication_results_matrix(row: Row) -> None:
    parsed = parse_message(_raw(row))
    result = classify(parsed, ClassifyContext(trusted_authserv_ids=row.trusted))
    spoofed = next(h for h in result.trace if h.rule == "spoofed")
    code = result.reason.code if result.status != "counted" else spoofed.note.code
    assert (result.status, code) == (row.status, row.code), reason_text(result.reason, "en")
    if result.status == "needs-review":
        # The editor sees it as possible spoofing, in both languages.
        assert code_of(result.status, result.reason) == "spoofed"
        assert outcome_label("spoofed", "en") == "Possibly forged sender"
        assert "{" not in reason_text(result.reason, "vi")
        assert not result.items


def test_mapping_and_alignment_use_the_address_not_the_display_name() -> None:
    row = next(r for r in ROWS if r.id == "g-display-name-is-not-the-sender")
    parsed = parse_message(_raw(row))
    assert parsed.sender is not None
    assert parsed.sender.address == "a@example.net"
    assert "example.net" in reason_text(classify(parsed, ClassifyContext()).reason, "en")


def test_not_aligned_names_the_domains_it_saw() -> None:
    row = next(r for r in ROWS if r.id == "g-both-pass-other-domain")
    result = classify(parse_message(_raw(row)), ClassifyContext(trusted_authserv_ids=GMAIL))
    shown = reason_text(result.reason, "en")
    assert "dkim=pass header.i=example.com" in shown
    assert "spf=pass smtp.mailfrom=example.net" in shown
    assert "example.org" in shown


@pytest.mark.parametrize(
    ("domain", "organizational"),
    [
        ("example.org", "example.org"),
        ("mail.example.org", "example.org"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("ldld.dienbien.gov.vn", "dienbien.gov.vn"),
        ("Mail.Example.ORG.", "example.org"),
        ("co.uk", "co.uk"),
    ],
)
def test_organizational_domain_follows_the_public_suffix_list(
    domain: str, organizational: str
) -> None:
    assert organizational_domain(domain) == organizational


def test_relaxed_alignment_is_not_a_suffix_match() -> None:
    assert aligned("bounce.example.org", "example.org")
    assert not aligned("example.org.example.net", "example.org")
    assert not aligned("badexample.org", "example.org")
    assert not aligned("gov.vn", "dienbien.gov.vn")  # a public suffix owns nothing
    assert not aligned("", "example.org")


def test_config_names_the_id_as_servers_write_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path  # noqa: PLC0415

    from tinbai.config import load_config  # noqa: PLC0415
    from tinbai.errors import ConfigError  # noqa: PLC0415

    shipped = (Path(__file__).resolve().parents[2] / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(
        shipped.replace(
            "# [classify]\n",
            '[classify]\ntrusted_authserv_ids = ["MX.Google.com.", "microsoft-365"]\n',
            1,
        ),
        encoding="utf-8",
    )
    assert load_config(path).model.classify.trusted_authserv_ids == [
        "mx.google.com",
        "microsoft-365",
    ]
    path.write_text(
        shipped.replace(
            "# [classify]\n", '[classify]\ntrusted_authserv_ids = ["mx.google.com; x"]\n', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="is not an authserv-id"):
        load_config(path)


# Fuzzing: a header value never makes the reader raise, and a believed header always
# carries a trusted id. Bounded for CI; TINBAI_FUZZ=long runs far more examples.
from fuzzing import EXAMPLES  # noqa: E402

_PIECES = st.sampled_from(
    [
        "mx.google.com",
        "mx.google.com.",
        "MX.GOOGLE.COM",
        ";",
        " ",
        "(",
        ")",
        '"',
        "\\",
        "\r\n ",
        "dmarc=pass",
        "dmarc=fail",
        "spf=pass",
        "dkim=pass",
        "compauth=fail",
        "reason=000",
        "header.from=example.org",
        "header.d=example.net",
        "smtp.mailfrom=a@example.org",
        "=",
        "@",
        "none",
        "/1",
    ]
)
_VALUES = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=30).map("".join)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(_VALUES, max_size=4), st.sampled_from([(), GMAIL, M365]))
def test_fuzzed_authentication_results_never_raise(values: list[str], trusted) -> None:  # type: ignore[no-untyped-def]
    for value in values:
        parse(value)
    found = believed(values, trusted)
    if found is not None and trusted:
        assert found.authserv_id in trusted or (
            found.authserv_id is None and MICROSOFT_365 in trusted
        )
    raw = "".join(f"Authentication-Results: {' '.join(v.split())}\r\n" for v in values)
    message = parse_message((raw + f"From: {UNIT}\r\nSubject: x\r\n\r\nbody\r\n").encode())
    assert classify(message, ClassifyContext(trusted_authserv_ids=trusted)).status in (
        "counted",
        "needs-review",
        "ignored",
    )
