#!/usr/bin/env python3
"""mail_parse.py: messages with hostile content, built by mail_msg_tool, read back by Python's email package.

    mail_parse.py PATH/TO/mail_msg_tool SITE_DIR

Python's parser (email.policy.default) is a reader written independently of
GMime: what it sees is what a mail client sees. The expectations are written
here from the inputs, not taken from the builder's output. Prints one line per
case and "N passed, M failed"; exit 1 when any failed.
"""
import email
import email.policy
import html.parser
import json
import subprocess
import sys
from datetime import datetime, timezone

TOOL, SITE = sys.argv[1], sys.argv[2]
RLO = "\u202e"
WORD = "W" * 2000

BASE = {
    "from_name": "CLICK status",
    "from_addr": "status@synchronet.com",
    "to_addr": "user@example.com",
    "subject": "[CLICK] Investigating: Inbound calls failing",
    "date": 1796234700,  # 2026-12-02T18:05:00Z
    "message_id": "m12.s34@status.synchronet.com",
    "thread_id": "incident-3@status.synchronet.com",
    "list_id": "CLICK status <status.synchronet.com>",
    "unsubscribe_url": "https://status.synchronet.com/unsubscribe?t=abc123",
    "text": "We are investigating.\n",
    "html": "<p>We are investigating.</p>\n",
}

FULL = ["date", "from", "to", "subject", "message-id", "mime-version", "auto-submitted",
        "list-id", "list-unsubscribe", "list-unsubscribe-post", "in-reply-to", "references",
        "content-type"]

results = []


def run(desc):
    p = subprocess.run([TOOL, SITE], input=json.dumps(desc).encode(), capture_output=True, timeout=30)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def build(desc):
    rc, out, err = run(desc)
    if rc != 0:
        raise AssertionError(f"mail_msg_tool exit {rc}: {err}")
    return out


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def wire_shape(raw):
    """CRLF only, 7-bit, lines <= 998, no line that is a lone dot, nothing that ends SMTP DATA."""
    check(all(b < 0x80 for b in raw), "a byte >= 0x80")
    check(raw.endswith(b"\r\n"), "does not end in CRLF")
    check(b"\r\n.\r\n" not in raw and not raw.startswith(b".\r\n"), "a lone '.' line")
    for i, line in enumerate(raw[:-2].split(b"\r\n")):
        check(b"\r" not in line and b"\n" not in line, f"bare CR or LF in line {i}: {line[:60]!r}")
        check(len(line) <= 998, f"line {i} is {len(line)} bytes")


def lf(s):
    """Line breaks as LF: quoted-printable decodes to LF, base64 keeps the canonical CRLF."""
    return s.replace("\r\n", "\n").replace("\r", "\n")


def parse(raw):
    m = email.message_from_bytes(raw, policy=email.policy.default)
    check(not m.defects, f"message defects: {m.defects}")
    for part in m.walk():
        check(not part.defects, f"part defects: {part.defects}")
    return m


def headers_exactly(m, want):
    got = sorted(k.lower() for k in m.keys())
    check(got == sorted(want), f"headers {got}, want {sorted(want)}")


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def case(fn):
    try:
        fn()
        results.append((fn.__name__, None))
    except Exception as e:  # one failing case does not hide the others
        results.append((fn.__name__, e))
    return fn


@case
def plain_message():
    """Every header once, the values the builder was given, multipart/alternative text then html."""
    m = parse(build(BASE))
    headers_exactly(m, FULL)
    check(m["From"].addresses[0].display_name == "CLICK status", m["From"])
    check(m["From"].addresses[0].addr_spec == "status@synchronet.com", m["From"])
    check(m["To"].addresses[0].addr_spec == "user@example.com", m["To"])
    check(str(m["Subject"]) == BASE["subject"], m["Subject"])
    check(m["Message-ID"] == "<m12.s34@status.synchronet.com>", m["Message-ID"])
    check(m["Date"].datetime == datetime(2026, 12, 2, 18, 5, tzinfo=timezone.utc), m["Date"])
    check(m["MIME-Version"] == "1.0", m["MIME-Version"])
    check(m["Auto-Submitted"] == "auto-generated", m["Auto-Submitted"])
    check(m["List-Id"] == "CLICK status <status.synchronet.com>", m["List-Id"])
    check(m["List-Unsubscribe"] == "<https://status.synchronet.com/unsubscribe?t=abc123>",
          m["List-Unsubscribe"])
    check(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", m["List-Unsubscribe-Post"])
    check(m["In-Reply-To"] == "<incident-3@status.synchronet.com>", m["In-Reply-To"])
    check(m["References"] == "<incident-3@status.synchronet.com>", m["References"])
    check(m.get_content_type() == "multipart/alternative", m.get_content_type())
    parts = list(m.iter_parts())
    check([p.get_content_type() for p in parts] == ["text/plain", "text/html"],
          [p.get_content_type() for p in parts])
    check(all(p.get_content_charset() == "utf-8" for p in parts), "charset")
    check(lf(parts[0].get_content()) == BASE["text"], repr(parts[0].get_content()))
    check(lf(parts[1].get_content()) == BASE["html"], repr(parts[1].get_content()))


@case
def hostile_headers():
    """CR, LF, a forged Bcc, a lone dot, a 2,000-character word, U+202E: no header added, text cleaned."""
    d = dict(BASE)
    d["subject"] = "Outage\r\nBcc: evil@x\r\n.\r\nQUIT " + RLO + "gnp.exe " + WORD + " end"
    d["from_name"] = "CLICK\r\nCc: evil@x\nTo: evil2@x"
    raw = build(d)
    wire_shape(raw)
    m = parse(raw)
    headers_exactly(m, FULL)
    check(len(m.get_all("From")) == 1 and len(m.get_all("To")) == 1, "one From, one To")
    check(m.get_all("Bcc") is None and m.get_all("Cc") is None, "a Bcc or Cc")
    check(len(m["To"].addresses) == 1 and m["To"].addresses[0].addr_spec == "user@example.com",
          m["To"])
    check(len(m["From"].addresses) == 1, m["From"])
    check(m["From"].addresses[0].display_name == "CLICK Cc: evil@x To: evil2@x",
          m["From"].addresses[0].display_name)
    check(m["From"].addresses[0].addr_spec == "status@synchronet.com", m["From"])
    want = "Outage Bcc: evil@x . QUIT gnp.exe " + WORD + " end"
    check(str(m["Subject"]) == want, repr(str(m["Subject"])[:120]))


@case
def hostile_bodies():
    """Bodies keep the hostile text, line breaks as line breaks, and cannot end the message."""
    d = dict(BASE)
    d["text"] = ("first\r\n.\r\nQUIT\r\nMAIL FROM:<evil@x>\n.\n..\n" + WORD + "\n" + RLO +
                 "txt.exe\nFrom the start\n--=_cs_fake\nlast line without break")
    d["html"] = "<p>.</p>\n.\n<p>caf\u00e9 \u65e5\u672c " + RLO + "</p>\r\n.\r"
    raw = build(d)
    wire_shape(raw)
    m = parse(raw)
    headers_exactly(m, FULL)
    parts = list(m.iter_parts())
    check(len(parts) == 2, f"{len(parts)} parts")
    check(lf(parts[0].get_content()) == lf(d["text"]), repr(parts[0].get_content()[:200]))
    check(lf(parts[1].get_content()) == lf(d["html"]), repr(parts[1].get_content()[:200]))


@case
def text_only():
    """Without html, thread, list or unsubscribe link: a single text/plain message, no List-* headers."""
    d = dict(BASE)
    for k in ("html", "thread_id", "list_id", "unsubscribe_url"):
        del d[k]
    m = parse(build(d))
    headers_exactly(m, ["date", "from", "to", "subject", "message-id", "mime-version",
                        "auto-submitted", "content-type", "content-transfer-encoding"])
    check(m.get_content_type() == "text/plain", m.get_content_type())
    check(lf(m.get_content()) == d["text"], repr(m.get_content()))


@case
def deterministic():
    """The same description gives the same bytes."""
    check(build(BASE) == build(BASE), "two builds differ")


@case
def refused():
    """Addresses that are not one addr-spec and ids that could break a header are refused (exit 2)."""
    bad = [("to_addr", "a@example.com, b@example.com"), ("to_addr", "u@example.com\r\nBcc: e@x"),
           ("to_addr", "User <u@example.com>"), ("from_addr", "status@synchronet.com\n"),
           ("message_id", "a b@x"), ("message_id", "a@x>\r\nBcc: e@x"),
           ("thread_id", "<t@x>"), ("list_id", "x y"),
           ("unsubscribe_url", "https://x/\r\nBcc: e@x"), ("unsubscribe_url", "http://x/u")]
    for field, value in bad:
        d = dict(BASE)
        d[field] = value
        rc, out, err = run(d)
        check(rc == 2 and out == b"", f"{field}={value!r}: exit {rc}, {len(out)} bytes")
        check(field in err, f"{field}: error does not name it: {err}")


INCIDENT = {
    "kind": "incident", "product": "CLICK", "company": "SynchroNet",
    "site_url": "https://status.synchronet.com",
    "title": "Calls <script>alert(1)</script>\r\nBcc: evil@x " + RLO + "fail",
    "status": "investigating", "priority": "P2",
    "since": 1796234400, "next_update_by": 1796236200,
    "components": [{"name": "Inbound calls", "status": "major_outage"}],
    "updates": [{"at": 1796234700, "status": "investigating",
                 "body": "We see failures.\r\n.\r\nQUIT\n<script>alert(2)</script>"}],
    "page_url": "https://status.synchronet.com/incidents/inc-3.html",
    "manage_url": "https://status.synchronet.com/subscription?t=abc",
    "unsubscribe_url": "https://status.synchronet.com/unsubscribe?t=abc",
}


@case
def rendered_incident():
    """A rendered incident mail end to end: clean subject, the update in the text, HTML without script."""
    d = dict(BASE)
    d["content"] = INCIDENT
    raw = build(d)
    wire_shape(raw)
    m = parse(raw)
    headers_exactly(m, FULL)
    check(str(m["Subject"]) == "[CLICK] Investigating: Calls <script>alert(1)</script> Bcc: evil@x fail",
          repr(str(m["Subject"])))
    text = lf(m.get_body(("plain",)).get_content())
    for needle in ("Priority: P2", "Affected: Inbound calls (Major outage)",
                   "Since: 2 Dec 2026, 18:00 UTC", "Next update by: 2 Dec 2026, 18:30 UTC",
                   "18:05 UTC - Investigating\nWe see failures.\n.\nQUIT\n<script>alert(2)</script>\n",
                   "https://status.synchronet.com/incidents/inc-3.html",
                   "https://status.synchronet.com/subscription?t=abc",
                   "https://status.synchronet.com/unsubscribe?t=abc"):
        check(needle in text, f"{needle!r} not in the text part:\n{text}")
    body = m.get_body(("html",)).get_content()
    t = Tags()
    t.feed(body)
    t.close()
    check("script" not in t.tags and "img" not in t.tags, f"tags {sorted(set(t.tags))}")
    check(not any(a.startswith("on") or a == "src" for a, _ in t.attrs), "an on* or src attribute")
    joined = "".join(t.text)
    check("Calls <script>alert(1)</script> Bcc: evil@x fail" in joined, "the title as text")
    check("<script>alert(2)</script>" in joined, "the update as text")


@case
def rendered_confirm():
    """The confirmation mail: the confirm link, no unsubscribe link or header."""
    d = dict(BASE)
    del d["unsubscribe_url"]
    d["content"] = {"kind": "confirm", "product": "CLICK", "company": "SynchroNet",
                    "site_url": "https://status.synchronet.com",
                    "action_url": "https://status.synchronet.com/confirm?t=0c1d2e",
                    "unsubscribe_url": "https://status.synchronet.com/unsubscribe?t=abc"}
    m = parse(build(d))
    check(str(m["Subject"]) == "[CLICK] Confirm your subscription to status updates", m["Subject"])
    check(m["List-Unsubscribe"] is None and m["List-Unsubscribe-Post"] is None, "unsubscribe headers")
    text = lf(m.get_body(("plain",)).get_content())
    check("\nhttps://status.synchronet.com/confirm?t=0c1d2e\n" in text, text)
    check("48 hours" in text and "unsubscribe?t=" not in text, text)
    check("unsubscribe?t=" not in m.get_body(("html",)).get_content(), "unsubscribe link in HTML")


failed = 0
for name, e in results:
    if e is None:
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {e}")
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
