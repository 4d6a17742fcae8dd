#!/usr/bin/env python3
"""mail_delivery_check.py: what `clickstatus mail` delivered, read back by Python's email package.

usage:
  mail_delivery_check.py hostile DIR SUBSCRIBERS TITLE_FILE MESSAGE_FILE
      every message in DIR (smtpserver.py --out) passes the header checks below, goes to
      one subscriber of the file SUBSCRIBERS (one address a line), each subscriber once or
      more; its Subject is the documented cleaning of the title in TITLE_FILE and its text
      and HTML parts hold the message in MESSAGE_FILE word for word.
  mail_delivery_check.py count DIR [--match TEXT] [--after K] [--dups N]
                                   [--may-repeat ADDR ...] ADDR=N ...
      the messages saved (after file number K; only those whose subject or text holds
      TEXT) go exactly N times to each ADDR named and to nobody else; besides, up to N
      (--dups) addresses, or the addresses --may-repeat names, may have ONE copy more.
      A repeated message must be the same message: same Message-ID, same bytes.
  mail_delivery_check.py seq DIR ADDR [--maildir] [--headers] [--not TEXT ...] MAIL ...
      ADDR got exactly the MAILs in that order (save order: smtpserver.py's file number,
      or for a Maildir the Date header then the file name), each MAIL being
      "SUBJECT-TEXT|BODY-TEXT|BODY-TEXT..." (every piece must be in it); no message to
      ADDR holds a --not TEXT. --maildir: DIR is a Maildir (envelope unknown: To counts),
      whose files must have LF line ends only.
  mail_delivery_check.py msgid DIR
      prints "ADDR MESSAGE-ID" for every message saved, in file order.

Header checks (hostile, and seq --headers), from RFC 5322, 2369, 2919, 8058 and 3834,
written here independently of the builder: no parser defect in the message or any part;
exactly one From, To, Subject, Date, Message-ID; no Bcc, Cc, Resent-*; the envelope
recipient is the To address and only it; multipart/alternative holding text/plain then
text/html; List-Id; List-Unsubscribe an https URL with a token in angle brackets, written
as such (an RFC 2047 encoded word there is no URL to a mail client); List-Unsubscribe-Post:
List-Unsubscribe=One-Click; Auto-Submitted: auto-generated; lines end in CRLF (SMTP) and
none is longer than 998 bytes.

Prints "ok: ..." or "FAIL: ..." lines; exits 1 when any check failed.
"""
import email
import email.policy
import html.parser
import json
import os
import re
import sys

fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL: " + msg)


def ok(msg):
    print("ok: " + msg)


class Mail:
    """One saved message: its file, envelope (None for a Maildir), bytes and parse."""

    def __init__(self, name, rcpts, raw):
        self.name = name
        self.rcpts = rcpts
        self.raw = raw
        self.msg = email.message_from_bytes(raw, policy=email.policy.default)
        to = self.msg.get_all("To") or []
        self.to = to[0].addresses[0].addr_spec if len(to) == 1 and len(to[0].addresses) == 1 else None
        self.addr = rcpts[0] if rcpts and len(rcpts) == 1 else self.to
        self.subject = str(self.msg.get("Subject", ""))
        self.msgid = str(self.msg.get("Message-ID", "")).strip()
        self.text = self.part("plain")
        self.html = self.part("html")

    def part(self, sub):
        p = self.msg.get_body(preferencelist=(sub,))
        if p is None or p.get_content_subtype() != sub:
            return ""
        return p.get_content()


def load_smtp(d):
    """The messages of smtpserver.py --out d, in file number order, as (number, Mail)."""
    out = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        k = int(name[:-5])
        with open(os.path.join(d, name)) as f:
            meta = json.load(f)
        with open(os.path.join(d, "%06d.eml" % k), "rb") as f:
            raw = f.read()
        out.append((k, Mail(name, meta["rcpt_tos"], raw)))
    return out


def load_maildir(d):
    import mailbox
    md = mailbox.Maildir(d, factory=None, create=False)
    out = []
    for key in md.keys():
        path = os.path.join(d, md._toc[key]) if hasattr(md, "_toc") else None
        raw = md.get_bytes(key)
        out.append((key, Mail(path or key, None, raw)))
    if md.list_folders():
        fail("Maildir %s has folders %s" % (d, md.list_folders()))
    if os.listdir(os.path.join(d, "tmp")):
        fail("Maildir %s: files left in tmp/: %s" % (d, os.listdir(os.path.join(d, "tmp"))))
    # the Date header orders them (the mailer dates a mail when it is planned), then the name
    out.sort(key=lambda km: (km[1].msg["Date"].datetime if km[1].msg["Date"] else 0, km[0]))
    return [(i + 1, m) for i, (_, m) in enumerate(out)]


def header_checks(m, crlf=True):
    """The checks every alert mail must pass; returns the number of problems."""
    bad = []
    msg, raw = m.msg, m.raw
    if msg.defects:
        bad.append("defects %s" % msg.defects)
    for p in msg.walk():
        if p is not msg and p.defects:
            bad.append("part %s defects %s" % (p.get_content_type(), p.defects))
    for h in ("From", "To", "Subject", "Date", "Message-ID"):
        n = len(msg.get_all(h) or [])
        if n != 1:
            bad.append("%d %s headers" % (n, h))
    for h in msg.keys():
        if h.lower() in ("bcc", "cc") or h.lower().startswith("resent-"):
            bad.append("a %s header" % h)
    head = raw.split(b"\r\n\r\n" if crlf else b"\n\n", 1)[0]
    if re.search(rb"(?im)^(bcc|cc)\s*:", head):
        bad.append("a Bcc/Cc line in the header block")
    if m.rcpts is not None and (m.to is None or m.rcpts != [m.to]):
        bad.append("envelope %s, To %s" % (m.rcpts, m.to))
    if msg.get_content_type() != "multipart/alternative":
        bad.append("Content-Type %s" % msg.get_content_type())
    else:
        parts = [p.get_content_type() for p in msg.iter_parts()]
        if parts != ["text/plain", "text/html"]:
            bad.append("parts %s" % parts)
    if not msg.get("List-Id") or not re.search(r"<[A-Za-z0-9.-]+>\s*$", str(msg["List-Id"])):
        bad.append("List-Id %r" % msg.get("List-Id"))
    lu = str(msg.get("List-Unsubscribe", ""))
    if not re.fullmatch(r"<https://[^\s<>]+[?&]t=[A-Za-z0-9._-]{16,}>", lu.strip()):
        bad.append("List-Unsubscribe %r" % lu)
    # the raw field, unfolded: a client reads "<https://...>", not an encoded word
    mraw = re.search(rb"(?im)^List-Unsubscribe:((?:.*\r?\n[ \t].*)*.*)$", head)
    rawval = re.sub(rb"\r?\n[ \t]+", b" ", mraw.group(1)).strip() if mraw else b""
    if not re.fullmatch(rb"<https://[^\s<>]+>", rawval):
        bad.append("List-Unsubscribe written as %r (RFC 2369: a URL in angle brackets; an RFC"
                   " 2047 encoded word is not one)" % rawval[:70].decode("ascii", "replace"))
    if str(msg.get("List-Unsubscribe-Post", "")).strip() != "List-Unsubscribe=One-Click":
        bad.append("List-Unsubscribe-Post %r" % msg.get("List-Unsubscribe-Post"))
    if str(msg.get("Auto-Submitted", "")).strip() != "auto-generated":
        bad.append("Auto-Submitted %r" % msg.get("Auto-Submitted"))
    if crlf:
        if re.search(rb"(?<!\r)\n", raw) or re.search(rb"\r(?!\n)", raw):
            bad.append("a line end that is not CRLF")
        lines = raw.split(b"\r\n")
    else:
        if b"\r" in raw:
            bad.append("a CR in a Maildir file (want LF line ends)")
        lines = raw.split(b"\n")
    if max(len(l) for l in lines) > 998:
        bad.append("a line of %d bytes" % max(len(l) for l in lines))
    for b in bad:
        fail("%s (to %s): %s" % (m.name, m.addr, b))
    return len(bad)


# ---- the documented cleaning (publisher/email/mail_text.h, mail_render.c) ----

def is_control(c):
    o = ord(c)
    return o < 0x20 or 0x7f <= o <= 0x9f or o in (0x2028, 0x2029)


def is_bidi(c):
    o = ord(c)
    return 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069


def oneline(s):
    """A header value: controls and spaces -> one space, bidi controls removed, trimmed."""
    s = "".join(c for c in s if not is_bidi(c))
    s = "".join(" " if is_control(c) else c for c in s)
    return re.sub(r" +", " ", s).strip(" ")


def subject_of(title, word="Investigating", product="CLICK", limit=200):
    s = oneline("[%s] %s: %s" % (product, word, oneline(title)))
    b = s.encode()
    if len(b) > limit:
        b = b[:limit]
        s = b.decode("utf-8", "ignore").rstrip(" ")
    return s


def body_words(s):
    """The words of body text as a reader sees them: C0/C1 controls but CR LF TAB are spaces."""
    s = "".join(" " if is_control(c) and c not in "\r\n\t" else c for c in s)
    return s.split()


class TextOf(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.out.append(" ")

    def handle_endtag(self, tag):
        self.out.append(" ")

    def handle_data(self, d):
        self.out.append(d)


def contains_run(hay, needle):
    n = len(needle)
    return any(hay[i:i + n] == needle for i in range(len(hay) - n + 1))


# ---- commands ----

def cmd_hostile(args):
    d, subs_file, title_file, message_file = args
    with open(subs_file) as f:
        subs = [l.strip() for l in f if l.strip()]
    with open(title_file, encoding="utf-8", newline="") as f:
        title = f.read()
    with open(message_file, encoding="utf-8", newline="") as f:
        message = f.read()
    mails = load_smtp(d)
    f0 = fails
    for k, m in mails:
        header_checks(m)
    if fails == f0:
        ok("%d messages: every header check passed" % len(mails))
    f0 = fails
    want_subject = subject_of(title)
    words = body_words(message)
    long_words = [w for w in words if len(w) >= 1000]
    got = {}
    for k, m in mails:
        got.setdefault(m.addr, []).append(m)
        probs = []
        if m.subject != want_subject:
            probs.append("Subject %r, expected %r" % (m.subject[:120], want_subject[:120]))
        tw = m.text.split()
        if not contains_run(tw, words):
            probs.append("the text part does not hold the message's %d words in order" % len(words))
        lines = m.text.splitlines()
        for lw in long_words:
            if lw not in lines and not any(l.strip() == lw for l in lines):
                probs.append("the %d-character word is not whole on a line of its own" % len(lw))
        if "." not in [l.strip() for l in lines]:
            probs.append("the lone '.' line of the message is not in the text")
        if "Bcc: evil@example.com" not in [l.strip() for l in lines]:
            probs.append("the 'Bcc: evil@example.com' line is not in the text (as text)")
        p = TextOf()
        p.feed(m.html)
        if "script" in p.tags:
            probs.append("a <script> element in the HTML part")
        hw = "".join(p.out).split()
        if not contains_run(hw, words):
            probs.append("the HTML part does not hold the message's %d words in order" % len(words))
        if "evil@example.com" in str(m.msg.get("To", "")) or "evil@example.com" in (m.rcpts or []):
            probs.append("evil@example.com is a recipient")
        for pr in probs:
            fail("%s (to %s): %s" % (m.name, m.addr, pr))
    if set(got) != set(subs):
        fail("mail went to %s, expected %s" % (sorted(got), sorted(subs)))
    else:
        ok("%d messages, one recipient each, every subscriber reached: %s" % (len(mails), ", ".join(sorted(subs))))
    if fails == f0:
        ok("Subject %r... is the cleaned title; the text and"
           " HTML parts hold the message's %d words in order, the 2000-character word whole, the"
           " lone dot and the Bcc line as text" % (want_subject[:50], len(words)))


def cmd_count(args):
    match, after, dups, may = None, 0, 0, set()
    want = {}
    i = 0
    d = args[0]
    rest = args[1:]
    while i < len(rest):
        a = rest[i]
        if a == "--match":
            match = rest[i + 1]
            i += 2
        elif a == "--after":
            after = int(rest[i + 1])
            i += 2
        elif a == "--dups":
            dups = int(rest[i + 1])
            i += 2
        elif a == "--may-repeat":
            may.add(rest[i + 1])
            i += 2
        else:
            addr, _, n = a.rpartition("=")
            want[addr] = int(n)
            i += 1
    by = {}
    for k, m in load_smtp(d):
        if k <= after:
            continue
        if match is not None and match not in m.subject and match not in m.text:
            continue
        if m.rcpts is None or len(m.rcpts) != 1:
            fail("%s: envelope recipients %s" % (m.name, m.rcpts))
            continue
        by.setdefault(m.rcpts[0], []).append(m)
    extra = []
    total = 0
    for addr in sorted(set(by) | set(want)):
        got = by.get(addr, [])
        total += len(got)
        n = want.get(addr, 0)
        if len(got) == n:
            continue
        if n > 0 and len(got) == n + 1:
            extra.append(addr)
            continue
        fail("%s got %d message%s, expected %d" % (addr, len(got), "" if len(got) == 1 else "s", n))
    allowed = [a for a in extra if a in may]
    others = [a for a in extra if a not in may]
    if len(others) > dups:
        fail("%d addresses got one copy too many (at most %d may): %s" % (
            len(others), dups, ", ".join(others[:10])))
    for addr in extra:
        ms = by[addr]
        ids = {m.msgid for m in ms}
        if len(ids) != 1:
            fail("%s got %d copies with Message-IDs %s" % (addr, len(ms), sorted(ids)))
        # the same mailing re-sent is the same message
        for m in ms:
            if m.msg.get("Subject") != ms[0].msg.get("Subject") or m.text != ms[0].text:
                fail("%s: the copies %s and %s differ" % (addr, ms[0].name, m.name))
    if fails == 0:
        ok("%d messages: %d addresses as expected%s" % (
            total, len(want), "; sent twice, same Message-ID each: %s" % ", ".join(
                "%s %s" % (a, by[a][0].msgid) for a in extra) if extra else "; no copy beyond those"))
    return extra


def cmd_seq(args):
    d, addr = args[0], args[1]
    maildir = headers = False
    nots, specs = [], []
    i = 2
    while i < len(args):
        if args[i] == "--maildir":
            maildir = True
        elif args[i] == "--headers":
            headers = True
        elif args[i] == "--not":
            nots.append(args[i + 1])
            i += 1
        else:
            specs.append(args[i].split("|"))
        i += 1
    mails = load_maildir(d) if maildir else load_smtp(d)
    mine = [m for _, m in mails if m.addr == addr]
    others = [m for _, m in mails if m.addr != addr]
    if others:
        fail("%d messages to others: %s" % (len(others), sorted({m.addr for m in others})))
    f0 = fails
    for m in mine:
        if headers:
            header_checks(m, crlf=not maildir)
    if headers and fails == f0:
        ok("%d messages: every header check passed%s" % (len(mine), ", LF line ends" if maildir else ""))
    f0 = fails
    for m in mine:
        for t in nots:
            if t in m.subject or t in m.text or t in m.html:
                fail("%s (%s): holds %r" % (m.name, m.subject, t))
    if len(mine) != len(specs):
        fail("%s got %d messages, expected %d: %s" % (addr, len(mine), len(specs),
                                                      [m.subject for m in mine]))
    for n, (m, spec) in enumerate(zip(mine, specs), 1):
        if spec[0] not in m.subject:
            fail("message %d: Subject %r, expected it to hold %r" % (n, m.subject, spec[0]))
        for t in spec[1:]:
            if " ".join(t.split()) not in " ".join(m.text.split()):
                fail("message %d (%s): the text does not hold %r" % (n, m.subject, t))
    if fails == f0:
        ok("%s got %d messages in order: %s" % (addr, len(mine), " / ".join(m.subject for m in mine)))


def cmd_msgid(args):
    for k, m in load_smtp(args[0]):
        print(m.addr, m.msgid)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"hostile": cmd_hostile, "count": cmd_count, "seq": cmd_seq, "msgid": cmd_msgid}[cmd](args)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
