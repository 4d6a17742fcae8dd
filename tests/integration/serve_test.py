#!/usr/bin/env python3
"""serve_test.py: `clickstatus serve` on a free loopback port, driven over HTTP like a browser,
a mail client's one-click and a hostile client would; the store read with the sqlite3 CLI.

    serve_test.py PATH/TO/clickstatus SOURCE_DIR

What is expected comes from the issue (9, item 2) and the RFCs, not from the server's output:
the one answer to every subscription (no enumeration), double opt-in by POST only, tokens
stored only as their SHA-256, confirmation links valid email.confirm_ttl (48 h by default),
links signed HMAC-SHA-256(link_key, "purpose:id:secret") cut to 32 hex digits, RFC 8058
one-click, the limits (8 KiB bodies, 10 s per request, rate_per_client an hour,
rate_per_address a day) and the headers every page carries; last, the same server behind the
shipped nginx server block (contrib/nginx-status-site.conf) on another loopback port.
"""
import email
import email.policy
import grp
import hashlib
import hmac
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="cs-serve-it.")
STATE = os.path.join(TMP, "state")
CONF = os.path.join(TMP, "click.json")
BASE = "/subscriptions"
RATE_PER_CLIENT = 20      # the configuration's default, written out below
RATE_PER_ADDRESS = 3
TTL = 48 * 3600           # email.confirm_ttl's default

cfg = json.load(open(os.path.join(SRC, "feeds", "click.json")))
cfg.setdefault("email", {})
cfg["email"].update({"rate_per_client": RATE_PER_CLIENT, "rate_per_address": RATE_PER_ADDRESS,
                     "subscribe_url": "https://status.synchronet.com/subscriptions"})
json.dump(cfg, open(CONF, "w"))
COMPONENTS = [c["id"] for c in cfg["components"]]

procs = []
npass = 0


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    for p in procs:
        print("--- log of %s:" % p.log, file=sys.stderr)
        try:
            sys.stderr.write(open(p.log).read()[-4000:])
        except OSError:
            pass
    stop_all()
    sys.exit(1)


def ok(msg):
    global npass
    npass += 1
    print("ok %d %s" % (npass, msg))


def check(cond, msg):
    if not cond:
        fail(msg)


class Server:
    def __init__(self, name, now=None):
        self.log = os.path.join(TMP, name + ".log")
        args = [BIN, "--config", CONF, "--state-dir", STATE]
        if now is not None:
            args += ["--now", "@%d" % now]
        args += ["serve", "--listen", "127.0.0.1:0"]
        self.p = subprocess.Popen(args, stderr=open(self.log, "w"), stdout=subprocess.DEVNULL)
        procs.append(self)
        self.port = None
        for _ in range(100):
            m = re.search(r"serve: listening on 127\.0\.0\.1:(\d+)", open(self.log).read())
            if m:
                self.port = int(m.group(1))
                break
            if self.p.poll() is not None:
                fail("serve exited with %d before listening" % self.p.returncode)
            time.sleep(0.05)
        check(self.port, "no 'serve: listening on 127.0.0.1:PORT' line within 5 s")

    def req(self, method, path, body=None, headers=None, client=None, timeout=10):
        h = {} if headers is None else dict(headers)
        if client is not None:
            h["X-Forwarded-For"] = client
        if isinstance(body, dict) or isinstance(body, list):
            body = urllib.parse.urlencode(body, doseq=True)
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8")
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                return self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                fail("serve did not stop within 10 s of SIGTERM")
        return self.p.returncode


def stop_all():
    for p in procs:
        if p.p.poll() is None:
            p.p.kill()
    shutil.rmtree(TMP, ignore_errors=True)


def sql(q):
    out = subprocess.run(["sqlite3", "-batch", "-noheader", os.path.join(STATE, "clickstatus.db"), q],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines()]


def sub_row(email):
    rows = sql("SELECT id, state, coalesce(components_json, 'NULL'), min_priority, secret,"
               " confirmed_at FROM subscribers WHERE email = '%s'" % email)
    return rows[0] if rows else None


def mailings(sid):
    return sql("SELECT id, kind, content_json FROM mailings WHERE subject = 'subscriber:%s'"
               " ORDER BY id" % sid)


def confirm_token(sid):
    """The token of the newest confirmation mail of subscriber sid, from its content."""
    m = [r for r in mailings(sid) if r[1] == "confirm"]
    check(m, "no confirm mailing for subscriber %s" % sid)
    url = json.loads(m[-1][2])["action_url"]
    check(url.startswith("https://status.synchronet.com/subscriptions/confirm?t="),
          "confirm action_url is %r" % url)
    t = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["t"][0]
    check(re.fullmatch(r"[0-9a-f]{64}", t), "confirmation token %r is not 64 hex digits" % t)
    return t


def link(purpose, sid):
    """The signed link, computed here from the store's key and the subscriber's secret."""
    key = sql("SELECT value FROM meta WHERE key = 'link_key'")[0][0]
    secret = sql("SELECT secret FROM subscribers WHERE id = %s" % sid)[0][0]
    mac = hmac.new(key.encode(), ("%s:%s:%s" % (purpose, sid, secret)).encode(),
                   hashlib.sha256).hexdigest()
    return "%s.%s" % (sid, mac[:32])


tokens_seen = []      # every secret that went over the wire: none may reach the log
addresses = []        # every full address used: none may reach the log
client_no = [0]


def new_client():
    """A distinct client address for each part, through the proxy's header (the peer is loopback)."""
    client_no[0] += 1
    return "198.51.100.%d" % client_no[0]


def subscribe(srv, email, client, extra=None):
    addresses.append(email)
    body = {"email": email}
    if extra:
        body.update(extra)
    return srv.req("POST", BASE + "/subscribe", body, client=client)


try:
    srv = Server("serve")

    # ---- 1. subscribe: a pending subscriber, one confirm mailing; the store keeps only a hash
    cl = new_client()
    st, hd, inbox_page = subscribe(srv, "Alice.Example@Example.COM", cl)
    check(st == 200, "subscribe answered %d" % st)
    check("Check your inbox: if the address can receive mail, a link to confirm is on its way"
          in inbox_page, "the subscribe answer does not say to check the inbox")
    row = sub_row("Alice.Example@example.com")
    check(row is not None, "no subscriber with the domain in lower case (local part kept)")
    check(row[1] == "pending", "new subscriber is %s, not pending" % row[1])
    alice = row[0]
    m = mailings(alice)
    check(len(m) == 1 and m[0][1] == "confirm", "mailings of the new subscriber: %r" % m)
    check(sql("SELECT count(*) FROM deliveries WHERE mailing_id = %s AND subscriber_id = %s"
              % (m[0][0], alice))[0][0] == "1", "the confirm mailing has no delivery to its subscriber")
    tok = confirm_token(alice)
    tokens_seen.append(tok)
    hashes = [r[0] for r in sql("SELECT hash FROM subscriber_tokens WHERE subscriber_id = %s" % alice)]
    check(len(hashes) == 1 and re.fullmatch(r"[0-9a-f]{64}", hashes[0]),
          "tokens table: %r (want one 64-hex hash)" % hashes)
    check(hashes[0] != tok, "the tokens table holds the token itself")
    check(hashes[0] == hashlib.sha256(tok.encode()).hexdigest(),
          "the stored hash is not the SHA-256 of the mailed token")
    check(sql("SELECT count(*) FROM subscriber_tokens WHERE hash = '%s'" % tok)[0][0] == "0",
          "the token text is in the store")
    ok("subscribe: pending subscriber, one confirm mailing with the token URL, only its SHA-256 stored")

    # every page's headers, and no script anywhere
    for k, want in (("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store"),
                    ("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer")):
        check(hd.get(k) == want, "header %s: %r, want %r" % (k, hd.get(k), want))
    csp = hd.get("content-security-policy", "")
    for part in ("default-src 'none'", "form-action 'self'", "frame-ancestors 'none'",
                 "style-src https://status.synchronet.com"):
        check(part in csp, "CSP %r lacks %r" % (csp, part))
    check("unsafe" not in csp and "script" not in csp, "CSP allows script: %r" % csp)
    check('href="https://status.synchronet.com/style.css"' in inbox_page,
          "the page does not use the site's style.css")
    check("<script" not in inbox_page.lower(), "a page has a script")
    ok("pages: text/html utf-8, no-store, nosniff, no-referrer, CSP default-src 'none' with the site's style.css")

    # ---- 2. GET /confirm changes nothing; POST /confirm confirms
    st, _, body = srv.req("GET", BASE + "/confirm?t=" + tok)
    check(st == 200 and "Confirm subscription" in body and 'method="post"' in body,
          "GET confirm: %d, no form with a Confirm subscription button" % st)
    check('value="%s"' % tok in body, "GET confirm page has no hidden t")
    st, _, _ = srv.req("HEAD", BASE + "/confirm?t=" + tok)
    check(sub_row("Alice.Example@example.com")[1] == "pending",
          "GET (or HEAD) /confirm confirmed the subscriber (a mail scanner would)")
    st, _, body = srv.req("POST", BASE + "/confirm", {"t": tok})
    check(st == 200 and "Subscription confirmed" in body, "POST confirm: %d" % st)
    row = sub_row("Alice.Example@example.com")
    check(row[1] == "confirmed" and int(row[5]) > 0, "after POST confirm: %r" % row)
    ml = re.search(r'href="(/subscriptions/manage\?t=[^"]+)"', body)
    check(ml and ml.group(1) == BASE + "/manage?t=" + link("manage", alice),
          "confirmed page's manage link is not the signed manage link")
    ok("confirm: GET and HEAD show a button and change nothing; POST confirms and links to preferences")

    # ---- 3. reused, expired, unknown and malformed tokens: one 400 answer for all
    st, _, reused = srv.req("POST", BASE + "/confirm", {"t": tok})
    check(st == 400 and "This link is not valid any more (used, expired, or mistyped): subscribe again"
          in reused, "reused token: %d" % st)
    cl = new_client()
    subscribe(srv, "bob@example.org", cl)
    bob = sub_row("bob@example.org")[0]
    btok = confirm_token(bob)
    tokens_seen.append(btok)
    t0 = int(sql("SELECT created_at FROM subscriber_tokens WHERE subscriber_id = %s" % bob)[0][0])
    late = Server("late", now=t0 + TTL + 60)      # the same store, 48 h and a minute later
    st, _, expired = late.req("POST", BASE + "/confirm", {"t": btok})
    check(st == 400, "a token past confirm_ttl answered %d" % st)
    check(sub_row("bob@example.org")[1] == "pending", "an expired token confirmed")
    late.stop()
    early = Server("early", now=t0 + TTL - 3600)  # within the 48 h it still works
    st, _, _ = early.req("POST", BASE + "/confirm", {"t": btok})
    check(st == 200 and sub_row("bob@example.org")[1] == "confirmed",
          "a token 47 h old did not confirm (%d)" % st)
    early.stop()
    st, _, unknown = srv.req("POST", BASE + "/confirm", {"t": "0" * 64})
    check(st == 400, "unknown token: %d" % st)
    st, _, malformed = srv.req("POST", BASE + "/confirm", {"t": "abc<>\"'"})
    check(st == 400, "malformed token: %d" % st)
    st, _, xss = srv.req("GET", BASE + "/confirm?t=" + urllib.parse.quote('"><script>alert(1)</script>'))
    check(st == 400 and xss == reused and "<script" not in xss, "GET confirm with markup: %d" % st)
    check(reused == expired == unknown == malformed,
          "reused, expired, unknown and malformed tokens get different bodies")
    ok("confirm: reused, expired (48 h + 1 min via --now), unknown, malformed (POST, or markup on GET): "
       "400, one identical body; 47 h old works")

    # ---- 4. the same 200 body whatever the address's state; what each state mails
    cl = new_client()
    new_addr, pend, conf, unsub = ("new@example.net", "pend@example.net", "conf@example.net",
                                   "unsub@example.net")
    subscribe(srv, pend, cl)
    subscribe(srv, conf, cl)
    cid = sub_row(conf)[0]
    tokens_seen.append(confirm_token(cid))
    srv.req("POST", BASE + "/confirm", {"t": confirm_token(cid)})
    subscribe(srv, unsub, cl)
    uid = sub_row(unsub)[0]
    tokens_seen.append(confirm_token(uid))
    srv.req("POST", BASE + "/confirm", {"t": confirm_token(uid)})
    st, _, _ = srv.req("POST", BASE + "/unsubscribe?t=" + link("unsubscribe", uid), {})
    check(sub_row(unsub)[1] == "unsubscribed", "setup: could not unsubscribe")
    before = {a: len(mailings(sub_row(a)[0])) for a in (pend, conf, unsub)}
    answers = {}
    for a in (new_addr, pend, conf, unsub):
        st, hd2, body = subscribe(srv, a, cl)
        answers[a] = (st, body, hd2.get("content-type"))
    check(len(set(answers.values())) == 1 and answers[new_addr][0] == 200,
          "answers differ by state: %r" % {a: v[0] for a, v in answers.items()})
    check(answers[new_addr][1] == inbox_page, "the answer differs from the first subscription's")
    pm = mailings(sub_row(pend)[0])
    check(len(pm) == before[pend] + 1 and pm[-1][1] == "confirm", "pending: %r" % pm)
    cm = mailings(cid)
    check(len(cm) == before[conf] + 1 and cm[-1][1] == "welcome_back", "confirmed: %r" % cm)
    check(json.loads(cm[-1][2])["action_url"] ==
          "https://status.synchronet.com/subscriptions/manage?t=" + link("manage", cid),
          "welcome_back does not carry the signed manage link")
    check(sub_row(conf)[1] == "confirmed", "a confirmed subscriber's state moved")
    um = mailings(uid)
    check(len(um) == before[unsub] + 1 and um[-1][1] == "confirm" and sub_row(unsub)[1] == "pending",
          "unsubscribed: not back to pending with a confirm mail (%r, %s)" % (um[-1], sub_row(unsub)[1]))
    ok("one 200 answer for new, pending, confirmed and unsubscribed; they get confirm, confirm, "
       "welcome_back (manage link), confirm and pending again")

    # ---- 4b. an internationalised domain typed in Unicode: stored and mailed in ASCII
    st, _, _ = subscribe(srv, "jan@M\u00fcller.example", new_client())
    row = sub_row("jan@xn--mller-kva.example")
    check(st == 200 and row is not None and row[1] == "pending",
          "jan@M\u00fcller.example: answer %d, row %r (want pending as jan@xn--mller-kva.example)"
          % (st, row))
    check(len(mailings(row[0])) == 1, "no confirm mailing for the IDN subscriber")
    ok("an address at a Unicode domain: pending under its ASCII (xn--) form, one confirm mail")

    # ---- 5. header injection and bad addresses: 400, nothing stored
    cl = new_client()
    nsub = sql("SELECT count(*) FROM subscribers")[0][0]
    nmail = sql("SELECT count(*) FROM mailings")[0][0]
    st, _, b1 = subscribe(srv, "a@b.com\r\nBcc: x@y.com", cl)
    st2, _, b2 = srv.req("POST", BASE + "/subscribe", "email=a@b.com%0d%0aBcc:%20x@y.com",
                         {"Content-Type": "application/x-www-form-urlencoded"}, client=cl)
    st3, _, b3 = subscribe(srv, "a@b.com, x@y.com", cl)
    st4, _, b4 = subscribe(srv, "Mallory <m@y.com>", cl)
    st5, _, _ = subscribe(srv, "x" * 250 + "@y.com", cl)
    st6, _, _ = subscribe(srv, "", cl)
    check([st, st2, st3, st4, st5, st6] == [400] * 6,
          "bad addresses answered %r" % [st, st2, st3, st4, st5, st6])
    check("control character" in b1 and "control character" in b2, "the 400 does not name the problem")
    check("Bcc" not in b1 + b2 + b3 + b4 and "x@y.com" not in b1 + b2 + b3 + b4,
          "the 400 page echoes the injected text")
    check(sql("SELECT count(*) FROM subscribers")[0][0] == nsub and
          sql("SELECT count(*) FROM mailings")[0][0] == nmail, "a bad address reached the store")
    check(sql("SELECT count(*) FROM subscribers WHERE email LIKE '%Bcc%' OR email LIKE '%x@y.com%'")[0][0]
          == "0", "an injected address is in the store")
    ok("CR LF (raw and %0d%0a), two addresses, a display name, 256 bytes, empty: 400 naming the problem, nothing stored")

    # ---- 6. a 10 MB body: 413 at once, without reading it; the server answers afterwards
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    t = time.monotonic()
    s.sendall(b"POST /subscriptions/subscribe HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10485760\r\n\r\n")
    resp = b""
    while b"\r\n\r\n" not in resp:
        chunk = s.recv(65536)
        if not chunk:
            break
        resp += chunk
    dt = time.monotonic() - t
    s.close()
    check(resp.startswith(b"HTTP/1.1 413"), "10 MB announced, not one byte sent: %r" % resp[:40])
    check(dt < 1.0, "413 took %.2f s" % dt)
    big = os.path.join(TMP, "big")
    with open(big, "wb") as f:
        f.write(b"email=" + b"a" * (10 * 1024 * 1024))
    t = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}",
                          "--max-time", "20", "--data-binary", "@" + big,
                          "http://127.0.0.1:%d%s/subscribe" % (srv.port, BASE)],
                         capture_output=True, text=True).stdout.split()
    dt_curl = time.monotonic() - t
    check(out and out[0] == "413", "curl with a 10 MB body got %r" % out)
    check(dt_curl < 3.0, "the 10 MB post took %.2f s" % dt_curl)
    uploaded = int(float(out[1])) if len(out) > 1 else -1
    # without Expect: 100-continue the client pushes the body at once: the 413 still comes
    # back at once and the rest is never read (what went out sits in the socket buffers)
    t = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}",
                          "--max-time", "20", "-H", "Expect:", "--data-binary", "@" + big,
                          "http://127.0.0.1:%d%s/subscribe" % (srv.port, BASE)],
                         capture_output=True, text=True).stdout.split()
    dt_push = time.monotonic() - t
    # The 413 is sent and the connection closed with the body unread; a client still pushing
    # may see the kernel's reset before it reads the answer (TCP, not the server): a cut
    # connection that took well under the 10 MB is a refusal too.
    check(out and (out[0] == "413" or (out[0] == "000" and len(out) > 1 and
                                       float(out[1]) < 10 * 1024 * 1024)),
          "curl pushing a 10 MB body got %r" % out)
    check(dt_push < 3.0, "the pushed 10 MB post took %.2f s" % dt_push)
    pushed = int(float(out[1])) if len(out) > 1 else -1
    check(pushed < 10 * 1024 * 1024, "all 10 MB went out: the server read the body")
    # chunked: no length to refuse up front; the connection is closed past 8 KiB
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall(b"POST /subscriptions/subscribe HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
    sent, closed = 0, False
    try:
        for _ in range(64):
            s.sendall(b"400\r\n" + b"a" * 1024 + b"\r\n")
            sent += 1024
            time.sleep(0.01)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    if not closed:
        try:
            s.settimeout(3)
            closed = s.recv(100) == b""
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            closed = False
    s.close()
    check(closed, "a chunked body of %d bytes was read on" % sent)
    st, _, _ = srv.req("GET", BASE + "/confirm?t=" + "1" * 64)
    check(st == 200, "after the big bodies the server answered %d" % st)
    ok("10 MB body: 413 in %.0f ms (announced, unsent); curl with Expect in %.0f ms (%d bytes sent), "
       "without in %.0f ms (%d of 10485766 bytes out); chunked past 8 KiB closed; still serving"
       % (dt * 1000, dt_curl * 1000, uploaded, dt_push * 1000, pushed))

    # ---- 7. a flood of 50 subscribes from one client: 429 after rate_per_client; others served
    flood = new_client()
    codes, retry = [], None
    for i in range(50):
        # the first X-Forwarded-For entries are the client's to write: only the last counts
        st, hd3, body = subscribe(srv, "flood%d@example.com" % i, "203.0.113.%d, %s" % (i, flood))
        codes.append(st)
        if st == 429 and retry is None:
            retry = hd3.get("retry-after")
            check("Too many" in body, "429 page does not say too many")
    first429 = codes.index(429) if 429 in codes else -1
    check(first429 == RATE_PER_CLIENT and all(c == 200 for c in codes[:RATE_PER_CLIENT]) and
          all(c == 429 for c in codes[RATE_PER_CLIENT:]),
          "flood answers: %r (want %d x 200 then 429)" % (codes, RATE_PER_CLIENT))
    check(retry is not None and retry.isdigit() and 1 <= int(retry) <= 3600,
          "429 Retry-After: %r" % retry)
    check(sql("SELECT count(*) FROM subscribers WHERE email LIKE 'flood%'")[0][0] == str(RATE_PER_CLIENT),
          "the refused flood requests reached the store")
    st, _, _ = subscribe(srv, "other@example.com", new_client())
    check(st == 200, "another client was refused during the flood (%d)" % st)
    told = [ln for ln in open(srv.log).read().splitlines()
            if ln.startswith("info serve: subscribe: client %s over" % flood)]
    check(len(told) == 1, "the flood's 30 refusals made %d info lines (want 1)" % len(told))
    ok("flood: 50 subscribes from one client (first X-Forwarded-For entries varied): %d x 200, "
       "then 429 with Retry-After %s, logged once; another client served" % (RATE_PER_CLIENT, retry))

    # ---- 8. per address: the 4th request in a day mails nothing, same answer
    cl = new_client()
    bodies = []
    for i in range(4):
        st, _, body = subscribe(srv, "limit@example.com", cl)
        bodies.append((st, body))
    lid = sub_row("limit@example.com")[0]
    lm = mailings(lid)
    check(len(set(bodies)) == 1 and bodies[0][0] == 200, "per-address answers differ")
    check(len(lm) == RATE_PER_ADDRESS, "%d mails to one address in a day (want %d)" % (len(lm), RATE_PER_ADDRESS))
    for r in lm:
        tokens_seen.append(json.loads(r[2])["action_url"].split("t=")[1])
    ok("per address: 4 requests in a day, 4 identical 200s, %d confirm mails" % RATE_PER_ADDRESS)

    # ---- 9. unsubscribe: GET shows a button, POST unsubscribes, RFC 8058 one-click, twice is fine
    ul = link("unsubscribe", alice)
    tokens_seen.append(ul)
    st, _, body = srv.req("GET", BASE + "/unsubscribe?t=" + ul)
    check(st == 200 and 'method="post"' in body and ">Unsubscribe</button>" in body,
          "GET unsubscribe: %d, no button" % st)
    check(sub_row("Alice.Example@example.com")[1] == "confirmed", "GET /unsubscribe unsubscribed")
    st, _, body = srv.req("POST", BASE + "/unsubscribe", {"t": ul})
    check(st == 200 and "You are unsubscribed" in body, "POST unsubscribe: %d" % st)
    check(sub_row("Alice.Example@example.com")[1] == "unsubscribed", "POST did not unsubscribe")
    st, _, _ = srv.req("POST", BASE + "/unsubscribe", {"t": ul})
    check(st == 200, "a second unsubscribe answered %d" % st)
    bl = link("unsubscribe", bob)
    tokens_seen.append(bl)
    st, _, _ = srv.req("POST", BASE + "/unsubscribe?t=" + bl, "List-Unsubscribe=One-Click",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200 and sub_row("bob@example.org")[1] == "unsubscribed",
          "RFC 8058 one-click (urlencoded): %d, %s" % (st, sub_row("bob@example.org")[1]))
    oid = sub_row("other@example.com")[0]
    tokens_seen.append(confirm_token(oid))
    srv.req("POST", BASE + "/confirm", {"t": confirm_token(oid)})
    ol = link("unsubscribe", oid)
    tokens_seen.append(ol)
    mp = ("--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n"
          "--XyZ--\r\n")
    st, _, _ = srv.req("POST", BASE + "/unsubscribe?t=" + ol, mp,
                       {"Content-Type": "multipart/form-data; boundary=XyZ"})
    check(st == 200 and sub_row("other@example.com")[1] == "unsubscribed",
          "RFC 8058 one-click (multipart): %d" % st)
    st, _, bad = srv.req("POST", BASE + "/unsubscribe?t=" + link("manage", cid), "List-Unsubscribe=One-Click",
                         {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 400 and bad == reused, "a manage link unsubscribed, or answered differently (%d)" % st)
    check(sub_row(conf)[1] == "confirmed", "a wrong-purpose link unsubscribed")
    ok("unsubscribe: GET changes nothing; POST, again, one-click urlencoded and multipart: 200; "
       "a manage link does not unsubscribe")

    # ---- 10. preferences: the form lists the components; saving changes components and priority
    mlk = link("manage", cid)
    tokens_seen.append(mlk)
    st, _, body = srv.req("GET", BASE + "/manage?t=" + mlk)
    boxes = re.findall(r'<input type="checkbox" id="c-([a-z0-9-]+)" name="components" value="\1"( checked)?',
                       body)
    check(st == 200 and [b[0] for b in boxes] == COMPONENTS and all(b[1] for b in boxes),
          "manage form: %d, boxes %r (want every component, ticked)" % (st, boxes))
    check('<option value="P4" selected>' in body, "the priority select does not show all")
    um = re.search(r'action="/subscriptions/unsubscribe\?t=([^"]+)"', body)
    check(um and um.group(1) == link("unsubscribe", cid), "manage page's unsubscribe form")
    pick = [COMPONENTS[2], COMPONENTS[0]]
    st, _, body = srv.req("POST", BASE + "/manage", {"t": mlk, "components": pick, "priority": "P2"})
    row = sub_row(conf)
    check(st == 200 and "Preferences saved" in body, "manage save: %d" % st)
    check(json.loads(row[2]) == sorted(pick) and row[3] == "2",
          "after saving: components %s, min_priority %s" % (row[2], row[3]))
    boxes = re.findall(r'value="([a-z0-9-]+)"( checked)?>', body)
    check({b[0] for b in boxes if b[1]} == set(pick), "the saved page does not tick what was saved")
    st, _, _ = srv.req("POST", BASE + "/manage", {"t": mlk, "components": COMPONENTS, "priority": "P4"})
    row = sub_row(conf)
    check(st == 200 and row[2] == "NULL" and row[3] == "4", "all ticked: %r" % row[2:4])
    st, _, body = srv.req("POST", BASE + "/manage", {"t": mlk, "priority": "P1"})
    check(st == 400 and "Tick at least one" in body and sub_row(conf)[3] == "4", "none ticked: %d" % st)
    st, _, body = srv.req("POST", BASE + "/manage", {"t": mlk, "components": ["nope"], "priority": "P1"})
    check(st == 400 and sub_row(conf)[3] == "4", "unknown component: %d" % st)
    st, _, body = srv.req("POST", BASE + "/manage", {"t": mlk, "components": COMPONENTS, "priority": "P9"})
    check(st == 400, "priority P9: %d" % st)
    forged = "%s.%s" % (cid, "0" * 32)
    st1, _, b1 = srv.req("GET", BASE + "/manage?t=" + forged)
    st2, _, b2 = srv.req("POST", BASE + "/manage", {"t": forged, "components": COMPONENTS[:1]})
    st3, _, b3 = srv.req("GET", BASE + "/manage?t=" + link("unsubscribe", cid))
    check([st1, st2, st3] == [400] * 3 and b1 == b2 == b3 == reused, "bad manage links: %r" % [st1, st2, st3])
    check(sub_row(conf)[2] == "NULL", "a forged link changed preferences")
    ok("preferences: %d components ticked, saved as %s with P1-P2, all ticked is NULL; none, unknown, "
       "P9: 400; forged or wrong-purpose link: the one invalid-link page" % (len(COMPONENTS), sorted(pick)))

    # ---- 11. a slow client (a byte a second) is cut after 10 s; others are served meanwhile
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    req = b"POST /subscriptions/subscribe HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 64
    t = time.monotonic()
    cut_at, served, worst = None, 0, 0.0
    for i in range(len(req)):
        try:
            s.sendall(req[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            cut_at = time.monotonic() - t
            break
        s.setblocking(False)
        try:
            if s.recv(100) == b"":
                cut_at = time.monotonic() - t
                break
        except BlockingIOError:
            pass
        except ConnectionResetError:
            cut_at = time.monotonic() - t
            break
        s.setblocking(True)
        t1 = time.monotonic()
        st, _, _ = srv.req("GET", BASE + "/confirm?t=" + "2" * 64)
        worst = max(worst, time.monotonic() - t1)
        served += st == 200
        time.sleep(max(0.0, (i + 1) - (time.monotonic() - t)))
        if time.monotonic() - t > 20:
            break
    s.close()
    check(cut_at is not None, "a client sending a byte a second was still connected after 20 s")
    check(9.0 <= cut_at <= 12.5, "the slow client was cut after %.1f s (want about 10)" % cut_at)
    check(served >= 9 and worst < 1.0, "while it dribbled: %d served, slowest %.2f s" % (served, worst))
    ok("slow client (1 byte/s) cut after %.1f s; %d other requests served meanwhile, slowest %.0f ms"
       % (cut_at, served, worst * 1000))

    # ---- 12. unknown path 404, PUT 405, GET /subscribe 405
    st, _, _ = srv.req("GET", "/subscriptions/nothing")
    st2, _, _ = srv.req("GET", "/etc/passwd")
    st3, hd3, _ = srv.req("PUT", BASE + "/subscribe", "email=a@b.com")
    st4, _, _ = srv.req("DELETE", BASE + "/manage")
    st5, _, _ = srv.req("GET", BASE + "/subscribe")
    check([st, st2, st3, st4, st5] == [404, 404, 405, 405, 405], "got %r" % [st, st2, st3, st4, st5])
    check(hd3.get("allow") == "GET, HEAD, POST", "405 Allow: %r" % hd3.get("allow"))
    st, _, _ = srv.req("POST", BASE + "/subscribe", "email=a@b.com", {"Content-Type": "text/plain"},
                       client=new_client())
    check(st == 415, "a text/plain form answered %d" % st)
    ok("unknown paths 404; PUT, DELETE, GET /subscribe 405 with Allow; a text/plain form 415")

    # ---- 13. behind the shipped nginx server block (contrib/nginx-status-site.conf): the
    # prefix passes through, nginx sets X-Forwarded-For to the peer it saw, so a client's own
    # X-Forwarded-For cannot dodge the limit; nginx refuses big bodies itself
    ng = os.path.join(TMP, "nginx")
    os.makedirs(os.path.join(ng, "root"))
    with socket.socket() as fs:
        fs.bind(("127.0.0.1", 0))
        nport = fs.getsockname()[1]
    conf = open(os.path.join(SRC, "contrib", "nginx-status-site.conf")).read()
    check("proxy_pass http://127.0.0.1:8025;" in conf and "listen 80;" in conf,
          "the shipped nginx snippet changed its listen or proxy_pass line")
    conf = conf.replace("listen 80;", "listen 127.0.0.1:%d;" % nport)
    conf = conf.replace("proxy_pass http://127.0.0.1:8025;", "proxy_pass http://127.0.0.1:%d;" % srv.port)
    conf = conf.replace("/var/lib/clickstatus/site/current", os.path.join(ng, "root"))
    open(os.path.join(ng, "server.conf"), "w").write(conf)
    user = ("user %s %s;" % (pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name)
            if os.getuid() == 0 else "")
    open(os.path.join(ng, "nginx.conf"), "w").write("""%s
daemon on;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %s/cb; proxy_temp_path %s/px;
    fastcgi_temp_path %s/fc; uwsgi_temp_path %s/uw; scgi_temp_path %s/sc;
    include %s/server.conf;
}
""" % ((user,) + (ng,) * 8))
    r = subprocess.run(["/usr/sbin/nginx", "-c", os.path.join(ng, "nginx.conf"), "-e",
                        os.path.join(ng, "error.log")], capture_output=True, text=True)
    check(r.returncode == 0, "nginx refused the shipped snippet: %s" % r.stderr)
    try:
        via = Server.__new__(Server)
        via.port, via.log = nport, srv.log
        st, hd, body = subscribe(via, "proxied@example.com", "192.0.2.77")
        check(st == 200 and body == inbox_page, "subscribe through nginx: %d" % st)
        check(sub_row("proxied@example.com")[1] == "pending", "through nginx: no pending subscriber")
        codes = []
        for i in range(RATE_PER_CLIENT + 5):
            st, _, _ = subscribe(via, "viaflood%d@example.com" % i, "192.0.2.%d" % (100 + i))
            codes.append(st)
        check(codes.count(200) == RATE_PER_CLIENT - 1 and codes[-1] == 429,
              "a client varying its own X-Forwarded-For through nginx: %r" % codes)
        t = time.monotonic()
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20",
                              "--data-binary", "@" + big, "http://127.0.0.1:%d%s/subscribe" % (nport, BASE)],
                             capture_output=True, text=True).stdout
        check(out == "413" and time.monotonic() - t < 3, "10 MB through nginx: %r" % out)
    finally:
        subprocess.run(["/usr/sbin/nginx", "-c", os.path.join(ng, "nginx.conf"), "-e",
                        os.path.join(ng, "error.log"), "-s", "stop"], capture_output=True)
    ok("through the shipped nginx block: subscribe answered; a client writing its own X-Forwarded-For "
       "still limited after %d (nginx's $remote_addr counts); 10 MB: 413" % RATE_PER_CLIENT)

    # ---- 14. end to end with the real mailer: `clickstatus mail` delivers into the Maildir,
    # the links are read out of the messages as a person (or a mail client) would use them
    def mail_to(addr):
        r = subprocess.run([BIN, "--config", CONF, "--state-dir", STATE, "mail"], capture_output=True,
                           text=True)
        check(r.returncode == 0, "clickstatus mail exited %d: %s" % (r.returncode, r.stderr))
        found = []
        for d in ("new", "cur"):
            dd = os.path.join(STATE, "mail", d)
            for f in sorted(os.listdir(dd)) if os.path.isdir(dd) else []:
                m = email.message_from_binary_file(open(os.path.join(dd, f), "rb"), policy=email.policy.default)
                if m["To"] is not None and addr in str(m["To"]):
                    found.append(m)
        return found

    def text_of(m):
        return m.get_body(preferencelist=("plain",)).get_content()

    cl = new_client()
    subscribe(srv, "e2e@example.com", cl)
    e2e = sub_row("e2e@example.com")[0]
    msgs = mail_to("e2e@example.com")
    check(len(msgs) == 1, "%d messages to the new subscriber in the Maildir" % len(msgs))
    urls = re.findall(r"https://status\.synchronet\.com/subscriptions/confirm\?t=[0-9a-f]{64}", text_of(msgs[0]))
    check(len(set(urls)) == 1, "the confirmation mail's links: %r" % urls)
    mtok = urls[0].split("t=")[1]
    tokens_seen.append(mtok)
    path = urls[0][len("https://status.synchronet.com"):]
    st, _, body = srv.req("GET", path)
    check(st == 200 and "Confirm subscription" in body and sub_row("e2e@example.com")[1] == "pending",
          "the mailed link, fetched: %d" % st)
    st, _, _ = srv.req("POST", BASE + "/confirm", {"t": mtok})
    check(st == 200 and sub_row("e2e@example.com")[1] == "confirmed", "the mailed token did not confirm")
    subscribe(srv, "e2e@example.com", cl)
    msgs = mail_to("e2e@example.com")
    check(len(msgs) == 2, "no welcome-back message (%d messages)" % len(msgs))
    wb = [m for m in msgs if "confirm?t=" not in text_of(m)]
    check(len(wb) == 1, "the welcome-back message is not there, or holds a confirm link")
    manage = re.findall(r"https://status\.synchronet\.com(/subscriptions/manage\?t=[0-9a-f.]+)", text_of(wb[0]))
    check(manage and manage[0] == BASE + "/manage?t=" + link("manage", e2e), "welcome-back manage link: %r" % manage)
    st, _, body = srv.req("GET", manage[0])
    check(st == 200 and "Email preferences" in body, "the mailed manage link: %d" % st)
    lu = str(wb[0]["List-Unsubscribe"] or "")
    check(str(wb[0]["List-Unsubscribe-Post"] or "") == "List-Unsubscribe=One-Click" and
          lu.startswith("<https://status.synchronet.com/subscriptions/unsubscribe?t="),
          "welcome-back unsubscribe headers: %r" % lu)
    upath = lu.strip("<>")[len("https://status.synchronet.com"):]
    tokens_seen.append(upath.split("t=")[1])
    st, _, _ = srv.req("POST", upath, "List-Unsubscribe=One-Click",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200 and sub_row("e2e@example.com")[1] == "unsubscribed",
          "one-click on the mail's own List-Unsubscribe: %d, %s" % (st, sub_row("e2e@example.com")[1]))
    ok("end to end with `clickstatus mail` (Maildir): the mailed confirm link shows a button, its token "
       "confirms; welcome-back's manage link opens the preferences; one-click POST to its "
       "List-Unsubscribe unsubscribes")

    # ---- 15. SIGTERM stops it; the log has masked addresses only and no token
    rc = srv.stop()
    check(rc == 0, "serve exited %d on SIGTERM" % rc)
    logs = "".join(open(p.log).read() for p in procs)
    check("serve: SIGTERM: stopping" in logs, "no stopping line")
    for a in set(addresses):
        norm = a.rsplit("@", 1)[0] + "@" + a.rsplit("@", 1)[1].lower() if "@" in a else a
        for form in {a, norm}:
            if "@" in form and form.split("@")[0] and len(form) > 3:
                check(form not in logs, "the log holds a full address: %r" % form)
    for tk in tokens_seen:
        check(tk not in logs and tk.split(".")[-1] not in logs, "the log holds a token")
    check("A***@example.com" in logs and "info serve: subscriber #%s confirmed" % alice in logs,
          "the log does not name subscribers by masked address and id")
    bad_lines = [ln for ln in logs.splitlines() if not re.match(r"^(info|warn|error|debug) serve: ", ln)]
    check(not bad_lines, "log lines not of the form 'LEVEL serve: ...': %r" % bad_lines[:3])
    ok("SIGTERM: exit 0; %d log lines, addresses masked, none of %d tokens" % (len(logs.splitlines()),
                                                                              len(tokens_seen)))
except SystemExit:
    raise
except Exception as e:  # a crash of the test is a failure, with the logs
    import traceback
    traceback.print_exc()
    fail("test error: %r" % e)

stop_all()
print("%d passed, 0 failed" % npass)
