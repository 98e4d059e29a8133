"""Cross-site scripting payloads, each numbered, for the web admin's pages (and any page we render).

Every payload, if it ever ran, would call ``__xss(N)`` (or ``alert(N)``/``confirm(N)``)
with its own number N, so a test that defines ``window.__xss`` and listens for dialogs
names the payload that got through. The vectors are the classic ones (OWASP's filter
evasion cheat sheet, PortSwigger's XSS cheat sheet): script tags, event handlers,
attribute break-outs, javascript:/data: URLs, SVG and MathML, template injection
(Jinja2, AngularJS, ERB …), encoded and mutation (mXSS) forms. Each vector is used in
four wrappers (bare, behind a subject tag, after a quote break-out, before Vietnamese
text), so there are 4 × len(VECTORS) payloads.

`python tests/xss_payloads.py` prints them, one a line.
"""

from __future__ import annotations

from dataclasses import dataclass

# {js} is replaced by the call that reports the payload's number.
VECTORS: tuple[tuple[str, str], ...] = (
    # classic
    ("classic", "<script>{js}</script>"),
    ("classic", "<ScRiPt>{js}</sCrIpT>"),
    ("classic", "<script src=data:,{js}></script>"),
    ("classic", "<script>/*</script><script>{js}//*/</script>"),
    ("classic", "<scr<script>ipt>{js}</scr</script>ipt>"),
    ("classic", "</title><script>{js}</script>"),
    ("classic", "</textarea><script>{js}</script>"),
    ("classic", "</dd></dl><script>{js}</script>"),
    ("classic", "</td></tr></table><script>{js}</script>"),
    ("classic", "</option></select><script>{js}</script>"),
    ("classic", "<script\t>{js}</script\t>"),
    ("classic", "<script>{js}</script "),
    # event handlers
    ("handler", "<img src=x onerror={js}>"),
    ("handler", '<img src="x" onerror="{js}">'),
    ("handler", "<img/src/onerror={js}>"),
    ("handler", "<IMG SRC=x OnErRoR={js}>"),
    ("handler", "<body onload={js}>"),
    ("handler", "<input autofocus onfocus={js}>"),
    ("handler", "<details open ontoggle={js}>"),
    ("handler", "<video><source onerror={js}></video>"),
    ("handler", "<audio src=x onerror={js}>"),
    ("handler", "<select autofocus onfocus={js}></select>"),
    ("handler", "<textarea autofocus onfocus={js}></textarea>"),
    ("handler", "<div onmouseover={js}>x</div>"),
    ("handler", "<iframe onload={js}></iframe>"),
    ("handler", '<iframe srcdoc="<script>parent.{js}</script>"></iframe>'),
    ("handler", "<object data=javascript:{js}></object>"),
    ("handler", "<embed src=javascript:{js}>"),
    ("handler", "<link rel=stylesheet href=x onerror={js}>"),
    ("handler", "<style onload={js}></style>"),
    ("handler", "<marquee onstart={js}>x</marquee>"),
    ("handler", "<img src=x onerror=&#x5f;&#x5f;xss({n})>"),
    # attribute break-outs
    ("attribute", '" onmouseover="{js}" x="'),
    ("attribute", "' onfocus='{js}' autofocus x='"),
    ("attribute", '" autofocus onfocus={js} x="'),
    ("attribute", '"><img src=x onerror={js}>'),
    ("attribute", "'><img src=x onerror={js}>"),
    ("attribute", "`><img src=x onerror={js}>"),
    ("attribute", '"/><svg onload={js}>'),
    ("attribute", '" style="background:url(javascript:{js})'),
    ("attribute", '"><input autofocus onfocus={js}>'),
    ("attribute", 'a@example.net"><img src=x onerror={js}>'),
    # URLs
    ("url", "javascript:{js}"),
    ("url", "JaVaScRiPt:{js}"),
    ("url", "java&#x09;script:{js}"),
    ("url", '<a href="javascript:{js}">x</a>'),
    ("url", '<a href=" javascript:{js}">x</a>'),
    ("url", '<a href="jav&#x61;script:{js}">x</a>'),
    ("url", '<a href="data:text/html,<script>{js}</script>">x</a>'),
    ("url", "<a href=vbscript:{js}>x</a>"),
    ("url", '<base href="javascript:{js}//">'),
    ("url", '<meta http-equiv=refresh content="0;url=javascript:{js}">'),
    ("url", '<form action="javascript:{js}"><button>x</button></form>'),
    ("url", '<button formaction="javascript:{js}">x</button>'),
    # SVG and MathML
    ("svg", "<svg onload={js}>"),
    ("svg", "<svg/onload={js}>"),
    ("svg", "<svg><script>{js}</script></svg>"),
    ("svg", "<svg><animate onbegin={js} attributeName=x dur=1s>"),
    ("svg", '<svg><a xlink:href="javascript:{js}"><text x=20 y=20>x</text></a></svg>'),
    ("svg", "<svg><set attributeName=onload to={js}></svg>"),
    ("svg", "<svg><foreignObject><img src=x onerror={js}></foreignObject></svg>"),
    ("svg", "<math><mtext><img src=x onerror={js}></mtext></math>"),
    ("svg", "<svg><style><img src=x onerror={js}></style></svg>"),
    ("svg", '<svg><image href="x" onerror="{js}"/></svg>'),
    # template injection
    ("template", "{{{{constructor.constructor('{js}')()}}}}"),
    ("template", "{{{{7*7}}}}<img src=x onerror={js}>"),
    ("template", "${{{js}}}"),
    ("template", "#{{{js}}}"),
    ("template", "{{% raw %}}<script>{js}</script>{{% endraw %}}"),
    ("template", "<%= {js} %>"),
    ("template", "{{{{''.__class__.__mro__}}}}<svg onload={js}>"),
    ("template", "[[${{{js}}}]]"),
    ("template", "{{{{ config }}}}{{{{ request }}}}<script>{js}</script>"),
    ("template", "{{{{ '<script>{js}</script>' | safe }}}}"),
    # encoded
    ("encoded", "&lt;script&gt;{js}&lt;/script&gt;"),
    ("encoded", "&#60;script&#62;{js}&#60;/script&#62;"),
    ("encoded", "&#x3C;img src=x onerror={js}&#x3E;"),
    ("encoded", "%3Cscript%3E{js}%3C%2Fscript%3E"),
    ("encoded", "%253Cscript%253E{js}%253C%252Fscript%253E"),
    ("encoded", r"\u003cscript\u003e{js}\u003c/script\u003e"),
    ("encoded", r"\x3cscript\x3e{js}\x3c/script\x3e"),
    ("encoded", "\uff1cscript\uff1e{js}\uff1c/script\uff1e"),
    ("encoded", "+ADw-script+AD4-{js}+ADw-/script+AD4-"),
    ("encoded", "=?utf-8?b?PHNjcmlwdD5fX3hzcyg5KTwvc2NyaXB0Pg==?= {js}"),
    ("encoded", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">{js}</a>'),
    # mutation (mXSS) and parser confusion
    ("mutation", '<noscript><p title="</noscript><img src=x onerror={js}>">'),
    ("mutation", '<svg></p><style><a id="</style><img src=1 onerror={js}>">'),
    ("mutation", '<!--<img src="--><img src=x onerror={js}//">'),
    ("mutation", "<![CDATA[<script>{js}</script>]]>"),
    ("mutation", "<xmp><img src=x onerror={js}></xmp>"),
    ("mutation", "<plaintext><script>{js}</script>"),
    ("mutation", "<template><script>{js}</script></template>"),
    ("mutation", "<listing>&lt;img src=x onerror={js}&gt;</listing>"),
)

WRAPPERS: tuple[str, ...] = ("{p}", "[Tin] {p}", "\"'>{p}", "{p} Điện Biên")


@dataclass(frozen=True)
class Payload:
    n: int  # the number it reports if it runs
    family: str  # classic, handler, attribute, url, svg, template, encoded, mutation
    text: str


def _call(n: int) -> str:
    """Mostly the test's own hook; a few alert()/confirm() for a dialog listener to catch."""
    return ("__xss({n})", "alert({n})", "__xss({n})", "confirm({n})")[n % 4].format(n=n)


def payloads() -> list[Payload]:
    out = []
    for wrapper in WRAPPERS:
        for family, vector in VECTORS:
            n = len(out) + 1
            text = wrapper.format(p=vector.format(js=_call(n), n=n))
            out.append(Payload(n, family, text))
    return out


PAYLOADS: list[Payload] = payloads()

if __name__ == "__main__":
    for p in PAYLOADS:
        print(p.n, p.family, p.text)
