#!/usr/bin/env python3
"""mail_transport_check.py: checks mail_transport_tool's results against what smtpserver.py saved.

usage: mail_transport_check.py RESULTS OUTDIR --count N [--default OUTCOME:CODE]
           [--tag T=OUTCOME:CODE ...] [--detail T=TEXT ...] [--expect-dir DIR] [--tls]
           [--maybe-saved T ...]

RESULTS holds the tool's lines "TAG OUTCOME CODE DETAIL"; OUTDIR is smtpserver.py --out.
Messages carry an "X-Tag: T" header and go to user<T>@example.test. Checks, printing
"ok: ..." or "FAIL: ..." and exiting 1 on any failure:
  - one result per tag 1..N, none twice, none other;
  - each tag's outcome and code as --tag says (else --default, SENT:250); CODE "*" is any;
  - no detail holds an address ('@') or the recipient's local part;
  - --detail T=TEXT: tag T's detail contains TEXT (case-insensitive);
  - the server saved each SENT message exactly once and nothing else (by X-Tag), to
    user<T>@example.test; with --tls over TLS; --maybe-saved T: tag T (not SENT) may
    be there too, once (the relay may have it when its reply never came);
  - a SENT detail "... queued as K" names the file K that holds that very message
    (a reply belongs to its own message, never to the one before);
  - --expect-dir: each saved message is byte for byte DIR/<T>.eml (the bytes submitted).
"""
import argparse
import json
import os
import re
import sys

fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL: " + msg)


def parse_want(s):
    outcome, _, code = s.partition(":")
    return outcome, code or "*"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--default", default="SENT:250")
    ap.add_argument("--tag", action="append", default=[])
    ap.add_argument("--detail", action="append", default=[])
    ap.add_argument("--expect-dir")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--maybe-saved", type=int, action="append", default=[])
    a = ap.parse_args()

    want = {t: parse_want(a.default) for t in range(1, a.count + 1)}
    for spec in a.tag:
        t, _, w = spec.partition("=")
        want[int(t)] = parse_want(w)
    details = {}
    for spec in a.detail:
        t, _, text = spec.partition("=")
        details[int(t)] = text

    res = {}
    with open(a.results) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) < 3:
                fail("result line %r" % line)
                continue
            tag = int(parts[0])
            if tag in res:
                fail("tag %d has two results" % tag)
            res[tag] = (parts[1], parts[2], parts[3] if len(parts) > 3 else "")
    if set(res) != set(want):
        fail("results for tags %s, expected 1..%d" % (sorted(set(res) ^ set(want))[:10], a.count))
    bad = 0
    for t, (outcome, code) in want.items():
        if t not in res:
            continue
        got_o, got_c, det = res[t]
        if got_o != outcome or (code != "*" and got_c != code):
            bad += 1
            if bad <= 10:
                fail("tag %d: %s %s (%s), expected %s %s" % (t, got_o, got_c, det, outcome, code))
        if "@" in det or re.search(r"\buser%d\b" % t, det):
            fail("tag %d: the detail shows the address: %r" % (t, det))
        if t in details and details[t].lower() not in det.lower():
            fail("tag %d: detail %r does not say %r" % (t, det, details[t]))
    if bad == 0:
        print("ok: %d results as expected (%s)" % (len(res), ", ".join(
            "%d %s" % (n, o) for o, n in sorted(count_outcomes(res).items()))))

    saved = {}
    for name in sorted(os.listdir(a.outdir)):
        if not name.endswith(".json"):
            continue
        k = int(name[:-5])
        with open(os.path.join(a.outdir, name)) as f:
            meta = json.load(f)
        with open(os.path.join(a.outdir, "%06d.eml" % k), "rb") as f:
            body = f.read()
        m = re.search(rb"^X-Tag: (\d+)\r$", body, re.M)
        if not m:
            fail("saved message %d has no X-Tag" % k)
            continue
        t = int(m.group(1))
        if t in saved:
            fail("message %d saved twice (files %d and %d)" % (t, saved[t][0], k))
        saved[t] = (k, meta, body)
    sent = {t for t, r in res.items() if r[0] == "SENT"}
    maybe = {t for t in a.maybe_saved if t in saved and t not in sent}
    if set(saved) - maybe != sent:
        fail("saved tags %s differ from SENT tags %s" % (sorted(set(saved) - sent)[:10],
                                                         sorted(sent - set(saved))[:10]))
    else:
        print("ok: the server has exactly the %d SENT messages, each once" % len(sent))
    ok_bytes = 0
    for t in sorted(set(saved) & sent):
        k, meta, body = saved[t]
        if meta["rcpt_tos"] != ["user%d@example.test" % t]:
            fail("tag %d: delivered to %s" % (t, meta["rcpt_tos"]))
        if a.tls and not meta["tls"]:
            fail("tag %d: received without TLS" % t)
        m = re.search(r"queued as (\d+)", res[t][2])
        if not m or int(m.group(1)) != k:
            fail("tag %d: detail %r but the message is file %d" % (t, res[t][2], k))
        if a.expect_dir:
            with open(os.path.join(a.expect_dir, "%d.eml" % t), "rb") as f:
                exp = f.read()
            if body != exp:
                fail("tag %d: %d bytes saved, %d submitted, first difference at %d" % (
                    t, len(body), len(exp), first_diff(body, exp)))
            else:
                ok_bytes += 1
    if a.expect_dir and ok_bytes == len(sent):
        print("ok: the %d messages arrived byte for byte as submitted" % ok_bytes)
    return 1 if fails else 0


def count_outcomes(res):
    c = {}
    for o, _, _ in res.values():
        c[o] = c.get(o, 0) + 1
    return c


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


if __name__ == "__main__":
    sys.exit(main())
