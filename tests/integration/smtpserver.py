#!/usr/bin/env python3
"""smtpserver.py: an SMTP server on loopback (aiosmtpd) that keeps what it accepts and fails on request.

usage: smtpserver.py --out DIR [--log FILE] [--port N] [--faults FILE.json]
                     [--mode plain|starttls|smtps --cert CERT.pem --key KEY.pem]
                     [--auth USER:PASSWORD] [--auth-plain-ok]

  e.g.  smtpserver.py --out $tmp/out --log $tmp/log --faults $tmp/f.json >$tmp/port &
        (wait for $tmp/port to be non-empty; connections made: grep -c '^conn ' $tmp/log)

Listens on 127.0.0.1 (only), port N (default 0: a free port) and prints the port on the
first line of stdout once it accepts connections. Serves until SIGTERM or SIGINT (exit 0).
Needs aiosmtpd (Debian: python3-aiosmtpd; run with the interpreter that has it).

  --out DIR       each accepted message is saved as DIR/NNNNNN.eml (the bytes of the DATA
                  section as the client meant them: dot-stuffing undone, CRLF kept, the
                  final ".\\r\\n" not included) and DIR/NNNNNN.json ({"mail_from", "rcpt_tos",
                  "conn", "tls", "auth"}); NNNNNN counts accepted messages from 1. Both are
                  written to a temporary name and renamed, .json last: a .json means both
                  are complete.
  --log FILE      one line per event, appended and flushed as it happens, fields by spaces
                  (C = connection number from 1, N = end-of-data number from 1):
                    conn C                      a client connected
                    greet C CODE                the greeting sent (220, or a fault's code)
                    ehlo C NAME                 EHLO or HELO
                    starttls C                  STARTTLS accepted (handshake follows)
                    auth C ok|fail USER
                    mail C CODE SENDER          (SENDER "<>" for the null sender)
                    rcpt C CODE ADDRESS
                    data C N CODE|drop          the end of a message's data and its reply
                                                (N is "-" for a fault on the DATA command itself)
                    saved C N                   the message is in --out as N
                    quit C
                    lost C                      the connection closed (any reason)
  --mode          plain (default), starttls (STARTTLS offered and required before MAIL),
                  smtps (TLS from the first byte); the last two need --cert and --key.
  --auth          AUTH PLAIN/LOGIN required with these credentials; aiosmtpd offers AUTH
                  only under TLS unless --auth-plain-ok.
  --faults FILE   JSON: {"rules": [RULE, ...]}; the first rule that matches an event decides it:
                    "at":     "connect" | "EHLO" | "MAIL" | "RCPT" | "DATA" (the command) |
                              "end" (the end of the data, before the reply)
                    "first":  K        the first K events of that kind (counted over the
                                       server's life, all connections)
                    "nth":    [n, ...] those events of that kind (1-based)
                    "rcpt":   [ADDR, ...]  only when the recipient is one of these
                                       (RCPT: the address given; end: any recipient)
                    "match":  TEXT     "end" only: the message contains TEXT
                    "times":  T        the rule fires at most T times
                    "sleep":  SECONDS  wait before acting (for client timeouts)
                    "reply":  "451 4.3.0 try later"   sent instead of the normal reply
                              ("{rcpt}" in it becomes the recipient); a 421 closes the
                              connection after it, as RFC 5321 says;
                              "drop": the connection is cut with no reply.
                  Without "first"/"nth"/"rcpt"/"match" a rule matches every event of its kind.
                  Example: {"rules": [{"at": "connect", "first": 1, "reply": "421 4.3.2 busy"},
                                      {"at": "RCPT", "rcpt": ["x@example.com"],
                                       "reply": "550 5.1.1 <{rcpt}>: no such user"},
                                      {"at": "end", "nth": [3], "reply": "drop"}]}
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class State:
    """Counters, fault rules and the log, shared by every connection (one event loop thread)."""

    def __init__(self, out, log, rules):
        self.out = out
        self.log_f = open(log, "a", buffering=1) if log else None
        self.rules = rules
        self.fired = [0] * len(rules)
        self.counts = {}
        self.conns = 0
        self.saved = 0
        self.armed = False   # the Controller's own startup probe is not a client

    def log(self, *fields):
        if self.log_f and self.armed:
            self.log_f.write(" ".join(str(f) for f in fields) + "\n")

    def count(self, kind):
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.counts[kind]

    def rule(self, kind, n, rcpts=(), content=None):
        """The first rule matching event number n of this kind, or None."""
        if not self.armed:
            return None
        for i, r in enumerate(self.rules):
            if r.get("at") != kind:
                continue
            if "first" in r and n > r["first"]:
                continue
            if "nth" in r and n not in r["nth"]:
                continue
            if "rcpt" in r:
                want = {a.lower() for a in r["rcpt"]}
                if not any(a.lower() in want for a in rcpts):
                    continue
            if "match" in r and (content is None or r["match"].encode() not in content):
                continue
            if "times" in r and self.fired[i] >= r["times"]:
                continue
            self.fired[i] += 1
            return r
        return None

    def save(self, conn, envelope, tls, auth):
        self.saved += 1
        base = os.path.join(self.out, "%06d" % self.saved)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "conn": conn, "tls": tls, "auth": auth}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return self.saved


def reply_code(reply):
    return reply.split(" ", 1)[0].split("-", 1)[0]


class FaultSMTP(SMTP):
    """aiosmtpd's SMTP with a connection number, the greeting fault, and close after a 421."""

    def __init__(self, handler, state, **kw):
        super().__init__(handler, **kw)
        self.state = state
        self.conn = 0
        self.close_after_push = False

    async def push(self, status):
        await super().push(status)
        if self.close_after_push and self.transport is not None:
            self.transport.close()

    def connection_lost(self, error):
        if self.conn:
            self.state.log("lost", self.conn)
        super().connection_lost(error)

    async def _handle_client(self):
        st = self.state
        if st.armed:
            st.conns += 1
            self.conn = st.conns
            st.log("conn", self.conn)
            r = st.rule("connect", st.count("connect"))
            if r is not None:
                if "sleep" in r:
                    await asyncio.sleep(r["sleep"])
                reply = r.get("reply", "421 4.3.2 service not available")
                if reply == "drop":
                    st.log("greet", self.conn, "drop")
                    self.transport.abort()
                    return
                st.log("greet", self.conn, reply_code(reply))
                self.close_after_push = True
                await self.push(reply)
                return
            st.log("greet", self.conn, 220)
        await super()._handle_client()

    async def smtp_EHLO(self, hostname):
        await self._command("EHLO", hostname, super().smtp_EHLO)

    async def smtp_HELO(self, hostname):
        await self._command("EHLO", hostname, super().smtp_HELO)

    async def smtp_DATA(self, arg):
        await self._command("DATA", arg, super().smtp_DATA)

    async def smtp_STARTTLS(self, arg):
        self.state.log("starttls", self.conn)
        await super().smtp_STARTTLS(arg)

    async def smtp_QUIT(self, arg):
        self.state.log("quit", self.conn)
        await super().smtp_QUIT(arg)

    async def _command(self, kind, arg, real):
        st = self.state
        if kind == "EHLO":
            st.log("ehlo", self.conn, arg)
        reply = await fault(self, st.rule(kind, st.count(kind)), "")
        if reply is not None:
            if kind == "DATA":
                st.log("data", self.conn, "-", reply_code(reply))
            await self.push(reply)
            return
        await real(arg)


async def fault(server, r, rcpt):
    """Carries out rule r (None: no rule). Returns the reply to send instead of the normal
    one, or None to go on normally; "drop" cuts the connection and never returns."""
    if r is None:
        return None
    if "sleep" in r:
        await asyncio.sleep(r["sleep"])
    reply = r.get("reply")
    if reply is None:
        return None
    if reply == "drop":
        server.transport.abort()
        # connection_lost() cancels this coroutine: wait for that, never reply
        await asyncio.get_running_loop().create_future()
    reply = reply.replace("{rcpt}", rcpt)
    if reply.startswith("421"):
        server.close_after_push = True
    return reply


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        st = self.state
        r = st.rule("MAIL", st.count("MAIL"))
        if r is not None and r.get("reply") == "drop":
            st.log("mail", server.conn, "drop", address)
        reply = await fault(server, r, "")
        if reply is not None:
            st.log("mail", server.conn, reply_code(reply), address)
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        st.log("mail", server.conn, 250, address)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        st = self.state
        r = st.rule("RCPT", st.count("RCPT"), rcpts=(address,))
        if r is not None and r.get("reply") == "drop":
            st.log("rcpt", server.conn, "drop", address)
        reply = await fault(server, r, address)
        if reply is not None:
            st.log("rcpt", server.conn, reply_code(reply), address)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        st.log("rcpt", server.conn, 250, address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        st = self.state
        n = st.count("end")
        r = st.rule("end", n, rcpts=envelope.rcpt_tos, content=envelope.original_content)
        if r is not None and r.get("reply") == "drop":
            st.log("data", server.conn, n, "drop")
        reply = await fault(server, r, envelope.rcpt_tos[0] if envelope.rcpt_tos else "")
        if reply is not None:
            st.log("data", server.conn, n, reply_code(reply))
            return reply
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode(errors="replace")
        tls = server.transport.get_extra_info("sslcontext") is not None
        k = st.save(server.conn, envelope, tls, login)
        st.log("data", server.conn, n, 250)
        st.log("saved", server.conn, k)
        return "250 OK queued as %d" % k


class Authenticator:
    def __init__(self, state, user, password):
        self.state, self.user, self.password = state, user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        who = auth_data.login.decode(errors="replace") if isinstance(auth_data, LoginPassword) else "?"
        self.state.log("auth", server.conn, "ok" if ok else "fail", who)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class FaultController(Controller):
    def __init__(self, handler, state, **kw):
        self.state = state
        super().__init__(handler, **kw)

    def factory(self):
        return FaultSMTP(self.handler, self.state, **self.SMTP_kwargs)

    def _trigger_server(self):
        # Port 0: learn the port the kernel chose before the startup probe connects.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main():
    ap = argparse.ArgumentParser(description="SMTP test server on 127.0.0.1 with fault injection")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--log")
    ap.add_argument("--faults")
    ap.add_argument("--mode", choices=("plain", "starttls", "smtps"), default="plain")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth")
    ap.add_argument("--auth-plain-ok", action="store_true")
    a = ap.parse_args()

    rules = []
    if a.faults:
        with open(a.faults) as f:
            rules = json.load(f).get("rules", [])
    os.makedirs(a.out, exist_ok=True)
    state = State(a.out, a.log, rules)

    kw = {"hostname": "127.0.0.1", "port": a.port, "server_hostname": "smtpserver.test",
          "ready_timeout": 10.0}
    if a.mode != "plain":
        if not (a.cert and a.key):
            ap.error("--mode %s needs --cert and --key" % a.mode)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        if a.mode == "starttls":
            kw["tls_context"] = ctx
            kw["require_starttls"] = True
        else:
            kw["ssl_context"] = ctx
    if a.auth:
        user, _, password = a.auth.partition(":")
        kw["authenticator"] = Authenticator(state, user, password)
        kw["auth_required"] = True
        kw["auth_require_tls"] = not a.auth_plain_ok

    ctl = FaultController(Handler(state), state, **kw)
    ctl.start()
    state.armed = True
    print(ctl.port, flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
