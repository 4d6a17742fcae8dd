#!/usr/bin/env python3
"""event_replay.py: replays recorded AWS events through the real clickstatus binary, polling
at a fixed interval, and checks each against its hand-written expectation file.

    event_replay.py --bin CLICKSTATUS --src SOURCE_TREE --www DOCROOT --port PORT \
        --work DIR EXPECT_FILE...

Run by test_event_replay.sh, which starts nginx on 127.0.0.1:PORT serving DOCROOT (see its
header for the expectation file format). For each event this script writes, under
DOCROOT/<event>/<t>/, the documents as they stood at time t (only the items with
pubDate <= t, so a feed grows as the event advances), polls with
`clickstatus poll --once --now @T` every `every` seconds from `from` to `to`, and after each
poll reads the store (sqlite3, read-only). A new directory per state of the documents, not
files rewritten in place: nginx caches open files, and a URL whose content never changes is
what a fetcher's validators (ETag, Last-Modified) expect. Each document's mtime is the time of
its newest item, so an unchanged feed answers 304 as AWS's does.

Prints one table line per event and, for each expectation that fails, what was expected and
what happened. Exit status 0 when every expectation holds, 1 otherwise, 2 on a bad file.
"""
import argparse
import calendar
import email.utils
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage",
            "under_maintenance", "unknown")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved", "postmortem", "none")
GUID_RE = re.compile(r"(<guid[^>]*>\s*https?://status\.aws\.amazon\.com/#)([A-Za-z0-9-]+)_(\d+)")
TITLE_RE = re.compile(r"(<title[^>]*>\s*(?:<!\[CDATA\[)?)(.*?)((?:\]\]>)?\s*</title>)", re.S)
PUBDATE_RE = re.compile(r"<pubDate>(.*?)</pubDate>", re.S)


class BadFile(Exception):
    pass


def parse_time(s):
    try:
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        raise BadFile("bad time %r (want YYYY-MM-DDTHH:MM:SSZ)" % s)


def fmt(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def expand(words):
    """investigating identified*3 resolved -> the list, repetitions written out."""
    out = []
    for w in words:
        name, _, n = w.partition("*")
        out += [name] * (int(n) if n else 1)
    return out


def compress(seq):
    """The inverse of expand, for messages."""
    out = []
    for s in seq:
        if out and out[-1][0] == s:
            out[-1][1] += 1
        else:
            out.append([s, 1])
    return " ".join(s if n == 1 else "%s*%d" % (s, n) for s, n in out) or "(none)"


class Event:
    """One expectation file: how to replay the event, and what must come of it."""

    def __init__(self, path, src):
        self.name = os.path.basename(path).rsplit(".", 1)[0]
        self.feeds, self.renames, self.copies, self.skips = [], {}, [], []
        self.live = False
        self.currentevents = None
        self.start = self.end = self.every = None
        self.expect = []  # (line number, kind, args)
        with open(path, encoding="utf-8") as f:
            for no, line in enumerate(f, 1):
                words = line.split("#", 1)[0].split()
                if not words:
                    continue
                try:
                    self._line(no, words, src)
                except (BadFile, ValueError, IndexError) as e:
                    raise BadFile("%s:%d: %s" % (path, no, e))
        if self.start is None or self.end is None or self.every is None or not self.feeds:
            raise BadFile("%s: needs replay feed, from, to and every" % path)

    def _line(self, no, w, src):
        if w[0] == "replay":
            key, args = w[1], w[2:]
            if key == "feed":
                self.feeds.append(os.path.join(src, args[0]))
            elif key == "currentevents":
                self.currentevents = os.path.join(src, args[0])
            elif key == "rename":
                self.renames[args[0]] = args[1]
            elif key == "live":
                self.live = True
            elif key == "copy-to-watched":
                self.copies.append(args[0])
            elif key == "from":
                self.start = parse_time(args[0])
            elif key == "to":
                self.end = parse_time(args[0])
            elif key == "every":
                self.every = int(args[0])
            elif key == "skip":
                self.skips.append((parse_time(args[0]), parse_time(args[1])))
            else:
                raise BadFile("unknown replay setting %r" % key)
        elif w[0] == "expect":
            kind, args = w[1], w[2:]
            if kind in ("incidents", "max-per-poll"):
                args = [int(args[0])]
            elif kind == "updates":
                args = [int(args[0]), expand(args[1:])]
                for s in args[1]:
                    if s not in INCIDENT_STATUSES:
                        raise BadFile("unknown incident status %r" % s)
            elif kind == "component":
                if args[2] not in STATUSES:
                    raise BadFile("unknown component status %r" % args[2])
                args = [parse_time(args[0]), args[1], args[2]]
            elif kind == "incident":
                if args[2] not in INCIDENT_STATUSES:
                    raise BadFile("unknown incident status %r" % args[2])
                args = [parse_time(args[0]), int(args[1]), args[2]]
            else:
                raise BadFile("unknown expectation %r" % kind)
            self.expect.append((no, kind, args))
        else:
            raise BadFile("a line starts with replay or expect, not %r" % w[0])

    def polls(self):
        t = self.start
        while t <= self.end:
            if not any(a < t < b for a, b in self.skips):
                yield t
            t += self.every


class Item:
    def __init__(self, text, slug, epoch, pubdate):
        self.text, self.slug, self.epoch, self.pubdate = text, slug, epoch, pubdate


def load_feed(path, renames, live, copies, watched):
    """A recorded feed as text: its head, its items (renamed, made live, copied), its tail.

    Text, not XML: the 2018 feeds are not well-formed (a bare &), and each item is served
    byte for byte as AWS wrote it, but for the guid's slug where the event is mapped onto a
    watched feed, and the [RESOLVED] AWS wrote into old titles afterwards where the replay is
    of the feed as it read live (test_incident_replay.sh does the same with sed)."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        s = f.read()
    first, last = s.find("<item>"), s.rfind("</item>")
    if first < 0:
        return s, [], ""
    head, body, tail = s[:first], s[first:last + len("</item>")], s[last + len("</item>"):]
    items = []
    for chunk in re.findall(r"<item>.*?</item>", body, re.S):
        g = GUID_RE.search(chunk)
        p = PUBDATE_RE.search(chunk)
        if g is None or p is None:
            raise BadFile("%s: an item without an AWS guid or a pubDate" % path)
        pub = email.utils.parsedate_tz(p.group(1).strip())
        if pub is None:
            raise BadFile("%s: cannot read pubDate %r" % (path, p.group(1)))
        pubdate = email.utils.mktime_tz(pub)
        slug, epoch = g.group(2), int(g.group(3))
        if pubdate != epoch:  # README of the recordings: the guid epoch is the pubDate
            raise BadFile("%s: %s_%d has pubDate %d" % (path, slug, epoch, pubdate))
        if live:
            def unmark(m):
                title = m.group(2)
                if not title.lower().startswith("service is operating normally"):
                    title = title.replace("[RESOLVED] ", "")
                return m.group(1) + title + m.group(3)
            chunk = TITLE_RE.sub(unmark, chunk, count=1)
        slug = renames.get(slug, slug)
        chunk = GUID_RE.sub(lambda m: "%s%s_%s" % (m.group(1), slug, m.group(3)), chunk, count=1)
        items.append(Item(chunk, slug, epoch, pubdate))
        if slug in copies:  # the same AWS update posted on every watched feed
            for w in watched:
                if w != slug:
                    c = GUID_RE.sub(lambda m: "%s%s_%s" % (m.group(1), w, m.group(3)), chunk, count=1)
                    items.append(Item(c, w, epoch, pubdate))
    return head, items, tail


def currentevents_at(events, t, renames):
    """The currentevents document as it stood at t: events posted by then; one that ended
    later is still open (no end_time, its latest status by then); service names mapped."""
    out = []
    for e in events:
        if int(e.get("date", "0")) > t:
            continue
        e = json.loads(json.dumps(e))
        log = [x for x in e.get("event_log", []) if int(x.get("timestamp", 0)) <= t]
        if "event_log" in e:
            e["event_log"] = log
        if "end_time" in e and int(e["end_time"]) > t:
            del e["end_time"]
            e["status"] = str(max([int(x.get("status", 1)) for x in log] or [1]))
        e["service"] = renames.get(e.get("service"), e.get("service"))
        if isinstance(e.get("impacted_services"), dict):
            e["impacted_services"] = {renames.get(k, k): v for k, v in e["impacted_services"].items()}
        out.append(e)
    return out


def write(path, data, mtime):
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (mtime, mtime))


class Store:
    """What the store says after a poll: the only place this test reads the schema."""

    def __init__(self, path):
        self.path = path

    def read(self):
        if not os.path.exists(self.path):
            return {"incidents": {}, "updates": [], "components": {}, "email": 0}
        c = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True)
        try:
            return {
                "incidents": dict(c.execute("SELECT id, status FROM incidents")),
                "updates": c.execute("SELECT incident_id, n, status FROM incident_updates"
                                     " WHERE public = 1 ORDER BY incident_id, n").fetchall(),
                "components": dict(c.execute("SELECT component_id, status FROM component_status")),
                "email": c.execute("SELECT count(*) FROM outbox WHERE channel = 'email'").fetchone()[0],
            }
        finally:
            c.close()


def replay(ev, a, watched, config, log):
    """Runs one event; returns (table row, failures)."""
    heads, items, tails = [], [], []
    for path in ev.feeds:
        h, its, t = load_feed(path, ev.renames, ev.live, ev.copies, watched)
        heads.append(h)
        tails.append(t)
        items += its
    with open(os.path.join(a.src, "tests/fixtures/connect-eu-west-2-2025-06-13-empty.rss"), "rb") as f:
        empty = f.read()
    ce = []
    if ev.currentevents:
        with open(ev.currentevents, encoding="utf-8") as f:
            ce = json.load(f)
    times = sorted({i.pubdate for i in items} | {int(e.get("date", 0)) for e in ce})
    quiet = ev.start - 86400  # the mtime of a document with nothing in it yet

    def docroot(t):
        """The documents as they stood at t, in a directory named for their newest item."""
        key = max([x for x in times if x <= t] or [0])
        rel = "%s/%d" % (ev.name, key)
        d = os.path.join(a.www, rel)
        if os.path.isdir(d):
            return rel
        os.makedirs(d)
        seen = [i for i in items if i.pubdate <= t]
        for slug in watched:
            mine = [i for i in seen if i.slug == slug]
            if mine:
                data = heads[0] + "\n".join(i.text for i in mine) + tails[0]
                write(os.path.join(d, slug + ".rss"), data.encode("utf-8", "surrogateescape"),
                      max(i.pubdate for i in mine))
            else:
                write(os.path.join(d, slug + ".rss"), empty, quiet)
        data = heads[0] + "\n".join(i.text for i in seen) + tails[0]
        write(os.path.join(d, "all.rss"), data.encode("utf-8", "surrogateescape"),
              max([i.pubdate for i in seen] or [quiet]))
        now_ce = currentevents_at(ce, t, ev.renames)
        # AWS serves currentevents as UTF-16 with a byte-order mark.
        write(os.path.join(d, "currentevents"), json.dumps(now_ce, indent=1).encode("utf-16"),
              max([int(e["date"]) for e in now_ce] or [quiet]))
        return rel

    state = os.path.join(a.work, ev.name)
    store = Store(os.path.join(state, "clickstatus.db"))
    failures = []
    obs = {}  # poll time -> store snapshot
    max_per_poll, max_new, polls, prev_updates, prev_seen = 0, 0, 0, set(), 0
    worst_poll = None
    for t in ev.polls():
        base = "http://127.0.0.1:%d/%s/" % (a.port, docroot(t))
        cmd = [a.bin, "--config", config, "--state-dir", state, "--now", "@%d" % t, "poll",
               "--once", "--no-render", "--feed-base-url", base,
               "--currentevents-url", base + "currentevents"]
        log.write("== %s %s\n" % (ev.name, fmt(t)))
        log.flush()
        rc = subprocess.run(cmd, stdout=log, stderr=log).returncode
        polls += 1
        if rc != 0:
            failures.append("poll at %s exited %d (see %s)" % (fmt(t), rc, log.name))
            break
        snap = store.read()
        obs[t] = snap
        now = set((i, n) for i, n, _ in snap["updates"])
        per = {}
        for i, n in now - prev_updates:
            per[i] = per.get(i, 0) + 1
        if per and max(per.values()) > max_per_poll:
            max_per_poll, worst_poll = max(per.values()), t
        prev_updates = now
        nseen = sum(1 for i in items if i.pubdate <= t and i.slug in watched)
        max_new = max(max_new, nseen - prev_seen)
        prev_seen = nseen
    last = obs[max(obs)] if obs else Store("/nonexistent").read()
    row = {"event": ev.name, "polls": polls, "new": max_new, "incidents": len(last["incidents"]),
           "updates": len(last["updates"]), "perpoll": max_per_poll, "email": last["email"]}
    if failures:
        return row, failures

    for no, kind, args in ev.expect:
        where = "line %d: " % no
        if kind == "incidents":
            if len(last["incidents"]) != args[0]:
                failures.append(where + "want %d incident(s), got %d (%s)" % (
                    args[0], len(last["incidents"]),
                    ", ".join("%d %s" % kv for kv in sorted(last["incidents"].items())) or "none"))
        elif kind == "updates":
            got = [s for i, _, s in last["updates"] if i == args[0]]
            if got != args[1]:
                failures.append(where + "incident %d: want public updates %s (%d), got %s (%d)" % (
                    args[0], compress(args[1]), len(args[1]), compress(got), len(got)))
        elif kind == "max-per-poll":
            if max_per_poll > args[0]:
                failures.append(where + "want at most %d public update(s) per incident per poll,"
                                " got %d in the poll at %s" % (args[0], max_per_poll, fmt(worst_poll)))
        elif kind in ("component", "incident"):
            t = args[0]
            if t not in obs:
                failures.append(where + "%s is not a poll time of this replay" % fmt(t))
                continue
            if kind == "component":
                ids = sorted(obs[t]["components"]) if args[1] == "all" else [args[1]]
                bad = ["%s %s" % (c, obs[t]["components"].get(c, "(none)")) for c in ids
                       if obs[t]["components"].get(c) != args[2]]
                if bad or not ids:
                    failures.append(where + "at %s want %s %s, got %s" % (
                        fmt(t), args[1], args[2], ", ".join(bad) or "no component"))
            else:
                got = obs[t]["incidents"].get(args[1], "none")
                if got != args[2]:
                    failures.append(where + "at %s want incident %d %s, got %s" % (
                        fmt(t), args[1], args[2], got))
    # Every event: a subscriber gets no more mails than there are public updates.
    if last["email"] > len(last["updates"]):
        failures.append("%d email rows queued for %d public updates" % (last["email"], len(last["updates"])))
    return row, failures


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--www", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--work", required=True)
    p.add_argument("events", nargs="+")
    a = p.parse_args()
    try:
        events = [Event(e, a.src) for e in a.events]
    except BadFile as e:
        print("event_replay: %s" % e, file=sys.stderr)
        return 2

    # The configuration under test, with the AWS addresses on loopback (nothing may leave the
    # machine even if an option were lost) and the daemon's interval set to the replay's.
    with open(os.path.join(a.src, "feeds/click.json"), encoding="utf-8") as f:
        click = json.load(f)
    watched = subprocess.run([a.bin, "--config", os.path.join(a.src, "feeds/click.json"), "feeds"],
                             check=True, capture_output=True, text=True).stdout.split()
    log = open(os.path.join(a.work, "polls.log"), "w")
    rows, failed = [], 0
    print("%-44s %6s %9s %9s %7s %9s %6s  %s" % ("event", "polls", "new/poll", "incidents",
                                                 "updates", "upd/poll", "email", "result"))
    for ev in events:
        cfg = dict(click, feed_base_url="http://127.0.0.1:%d/none/" % a.port,
                   currentevents_url="http://127.0.0.1:%d/none/currentevents" % a.port,
                   poll_interval=min(ev.every, 86400))
        config = os.path.join(a.work, ev.name + ".json")
        with open(config, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        try:
            row, failures = replay(ev, a, watched, config, log)
        except (BadFile, sqlite3.Error) as e:
            row = {"event": ev.name, "polls": 0, "new": 0, "incidents": "-", "updates": "-",
                   "perpoll": "-", "email": "-"}
            failures = [str(e)]
        rows.append(row)
        print("%-44s %6d %9d %9s %7s %9s %6s  %s" % (
            row["event"], row["polls"], row["new"], row["incidents"], row["updates"],
            row["perpoll"], row["email"], "ok" if not failures else "FAIL (%d)" % len(failures)))
        for f in failures:
            print("    %s: %s" % (ev.name, f))
        sys.stdout.flush()
        failed += 1 if failures else 0
    print("%d event(s), %d as expected, %d not" % (len(events), len(events) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
