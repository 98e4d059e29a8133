"""Every XSS payload of tests/xss_payloads.py, seeded through the real paths, inert on every page.

Each payload goes in as a message's subject, its sender's display name and an attached
file's name (`tinbai ingest-file`, the poller's path), as the reason of a correction (the
web form), and the first ones as unit, group, theme and plan names (config.toml). Then one
Chromium loads every page of the web admin — with the Content-Security-Policy *bypassed*,
so what is proven is the escaping, not the CSP behind it — and after each page checks that
no payload ran (``window.__xss`` records its number; a dialog listener catches alert and
confirm) and that nothing a payload carries became markup (no event-handler attribute,
no script/iframe/svg/… element, no javascript: URL).
"""

from __future__ import annotations

import json
import re
from email.charset import BASE64, Charset
from urllib.parse import quote

import pytest
from mailkit import Attachment, build_message
from xss_payloads import PAYLOADS, Payload

UTF8 = Charset("utf-8")
UTF8.header_encoding = BASE64
HOOK = "window.__fired = []; window.__xss = (n) => window.__fired.push(n);"

# What a page of ours never has, and what a payload that became markup would bring.
FIND_MARKUP = """() => {
  const bad = [];
  const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'to'];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on') || a.name === 'srcdoc' || a.name === 'style')
        bad.push(`${el.tagName} ${a.name}=${a.value}`);
      else if (urls.includes(a.name) && /^\\s*(javascript|data|vbscript):/i.test(a.value))
        bad.push(`${el.tagName} ${a.name}=${a.value}`);
    }
  }
  const tags = 'script,iframe,object,embed,svg,math,base,frame,frameset,video,audio,source,'
    + 'marquee,details,xmp,plaintext,noscript,template,listing,textarea,animate,set,'
    + 'meta[http-equiv],body link,body style,img:not([src^="/submissions/"]):not([src^="/chart.png?"])';
  for (const el of document.querySelectorAll(tags)) bad.push(`<${el.tagName.toLowerCase()}>`);
  const subject = document.querySelector('#subject');
  const names = {};
  for (const s of document.querySelectorAll('section[data-sender]'))
    names[s.dataset.sender] = s.querySelector('h2 small')?.textContent ?? null;
  const flashes = [...document.querySelectorAll('.flash')].map((f) => f.textContent);
  return {bad, fired: window.__fired || null, subject: subject && subject.textContent, names, flashes};
}"""

REFLECTED = ("/?as_of={q}", "/submissions?since={q}", "/senders?q={q}", "/audit?action={q}")


# Two payloads a message (a display name keeps 200 characters): 186 messages, 186 pages.
PAIRS = [tuple(PAYLOADS[i : i + 2]) for i in range(0, len(PAYLOADS), 2)]


def address(pair: tuple[Payload, ...]) -> str:
    return f"xss{pair[0].n}@example.net"


def joined(pair: tuple[Payload, ...]) -> str:
    return " ".join(p.text for p in pair)


def message(pair: tuple[Payload, ...]) -> bytes:
    """Both payloads in the subject and the sender's display name, and as attached files' names.

    The name is one RFC 2047 encoded word, as Outlook and Gmail send a name with accents
    (the stdlib refolds a long quoted name inside its quotes, so the header is written here).
    """
    sender = address(pair)
    raw = build_message(
        sender=sender,
        subject=joined(pair),
        body=f"Tin bài số {pair[0].n} của đơn vị, gửi Ban Tuyên giáo.",
        attachments=[
            Attachment(f"{p.text}.txt", f"Nội dung {p.n}".encode(), "text", "plain") for p in pair
        ],
    )
    name = UTF8.header_encode(joined(pair[::-1]))
    return raw.replace(f"From: {sender}\n".encode(), f"From: {name} <{sender}>\n".encode(), 1)


def payload_names(text: str) -> str:
    """config.toml with the first payloads as every unit, group, theme and plan name."""
    names = iter(PAYLOADS)

    def swap(found: re.Match[str]) -> str:
        return f"{found.group(1)} = {json.dumps(next(names).text)}"

    return re.sub(r'^(name|title) = ".*"$', swap, text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def seeded(start_site, tmp_path_factory):
    with start_site(tmp_path_factory.mktemp("xss"), edit=payload_names) as site:
        files = []
        for pair in PAIRS:
            files.append(site.folder / f"xss-{pair[0].n}.eml")
            files[-1].write_bytes(message(pair))
        site.tinbai("ingest-file", *files)
        listed = site.tinbai("submissions", "list", "--limit", "1000", "--format", "json")
        rows = json.loads(listed.stdout)
        site.pks = {int(r["id"]): r["subject"] for r in rows}
        by_sender = {r["sender"]: int(r["id"]) for r in rows}
        with site.server.login(*site.users["admin"]) as client:
            token = site.server.csrf_of(client.get("/").text)
            for pair in PAIRS:
                pk = by_sender[address(pair)]
                data = {"csrf_token": token, "news": "1", "article": "0", "photo": "0"}
                done = client.post(
                    f"/submissions/{pk}/reclassify", data=data | {"reason": joined(pair)}
                )
                assert done.status_code == 303
        yield site


def test_the_payload_list_is_large_and_varied():
    assert len(PAYLOADS) >= 300
    assert len({p.text for p in PAYLOADS}) == len(PAYLOADS)
    families = {p.family for p in PAYLOADS}
    assert families == {
        "classic",
        "handler",
        "attribute",
        "url",
        "svg",
        "template",
        "encoded",
        "mutation",
    }


def test_the_detector_sees_a_payload_that_runs(chromium):
    """The checks below can fail: a payload placed as markup is seen running and as markup."""
    context = chromium.new_context(bypass_csp=True)
    context.add_init_script(HOOK)
    dialogs: list[str] = []
    context.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page = context.new_page()
    # PAYLOADS[12] is <img src=x onerror=alert(13)>, PAYLOADS[13] the same calling __xss(14).
    html = f"<!doctype html><p>{PAYLOADS[12].text}{PAYLOADS[13].text}</p>"
    page.route("http://detector.test/", lambda r: r.fulfill(body=html, content_type="text/html"))
    page.goto("http://detector.test/")
    page.wait_for_function("window.__fired.length > 0", timeout=10_000)
    found = page.evaluate(FIND_MARKUP)
    context.close()
    assert found["fired"] == [14]
    assert dialogs == ["13"]
    assert len(found["bad"]) == 4  # two <img>, two onerror


class Tabs:
    """A few tabs of one browser context loading pages side by side (the machine has 2 cores)."""

    def __init__(self, context, base: str, n: int = 4) -> None:
        self.base, self.tabs, self.loads = base, [context.new_page() for _ in range(n)], 0
        self.problems: list[str] = []

    def load(self, paths: list[str]) -> list[dict]:
        found = []
        for start in range(0, len(paths), len(self.tabs)):
            batch = list(zip(self.tabs, paths[start : start + len(self.tabs)], strict=False))
            for tab, path in batch:
                tab.goto(self.base + path, wait_until="commit")
            for tab, path in batch:
                tab.wait_for_load_state("load")
                seen = tab.evaluate(FIND_MARKUP)
                if seen["fired"] is None or seen["fired"] or seen["bad"]:
                    self.problems.append(f"{path}: ran {seen['fired']}, markup {seen['bad'][:3]}")
                found.append(seen)
        self.loads += len(paths)
        return found


def sign_in(page, base: str, user: tuple[str, str]) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", user[0])
    page.fill("input[name=password]", user[1])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_no_payload_runs_or_becomes_markup_on_any_page(seeded, chromium):
    site = seeded
    base = site.server.url
    assert len(site.pks) == len(PAIRS)
    dialogs: list[str] = []

    def new_context():
        context = chromium.new_context(bypass_csp=True, locale="vi-VN")
        context.add_init_script(HOOK)
        context.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        return context

    context = new_context()
    tabs = Tabs(context, base)
    sign_in(tabs.tabs[0], base, site.users["admin"])

    pages = ["/", "/unknown", "/senders", "/submissions", "/submissions?manual=1", "/audit"]
    pages += [f"/submissions?status={s}" for s in ("counted", "ignored", "needs-review")]
    pages += [f"/audit?action={a}" for a in ("reclassify", "user-add")]
    pages += ["/no-such-page", "/submissions/99999"]
    tabs.load(pages)

    # Every message's own page: its subject, sender's name, file name and reason, as text.
    pks = sorted(site.pks)
    found = tabs.load([f"/submissions/{pk}" for pk in pks])
    assert [f["subject"] for f in found] == [site.pks[pk] for pk in pks]
    # /unknown lists fifty strangers a page: every page, so every name is read back.
    unknown_pages = [f"/unknown?page={n}" for n in range(1, -(-len(PAIRS) // 50) + 2)]
    names = {a: n for seen in tabs.load(unknown_pages) for a, n in seen["names"].items()}
    flat = {a: " ".join((n or "").split()) for a, n in names.items()}  # names: whitespace folded
    expected = {address(pair): " ".join(f"— {joined(pair[::-1])}".split()) for pair in PAIRS}
    assert expected.items() <= flat.items()

    # Reflected: a payload in a query string, and in the flash of a refused form.
    some = PAYLOADS[::24]
    tabs.load([path.format(q=quote(p.text)) for p in some for path in REFLECTED])
    page = tabs.tabs[0]
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    flashed = 0
    for start in range(0, len(some), 4):  # a few at a time: flashes travel in the session cookie
        for p in some[start : start + 4]:
            refused = page.request.post(
                base + "/senders/assign",
                form={"csrf_token": token, "sender": p.text, "unit": "tuan-giao"},
                max_redirects=0,
            )
            assert refused.status == 303
        flashes = tabs.load(["/senders"])[0]["flashes"]
        assert len(flashes) == len(some[start : start + 4])
        flashed += len(flashes)
    assert flashed == len(some)
    context.close()

    # Signed out: a payload as the page to return to, and as the name of a failed sign-in.
    context = new_context()
    signed_out = Tabs(context, base, n=1)
    page = signed_out.tabs[0]
    for p in PAYLOADS[5::40]:  # under the per-address limit of failed sign-ins
        signed_out.load([f"/login?next={quote(p.text)}"])
        page.fill("input[name=username]", p.text)
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        seen = page.evaluate(FIND_MARKUP)
        assert page.locator("input[name=username]").input_value() == p.text
        if seen["fired"] or seen["bad"]:
            signed_out.problems.append(f"failed sign-in as payload {p.n}: {seen}")
    context.close()

    assert tabs.problems + signed_out.problems == []
    assert dialogs == []
    loads = tabs.loads + signed_out.loads
    assert (
        loads
        == len(pages)
        + len(PAIRS)
        + len(unknown_pages)
        + len(some) * len(REFLECTED)
        + -(-len(some) // 4)
        + 10
    )
    print(f"{len(PAYLOADS)} payloads, {loads} page loads")
