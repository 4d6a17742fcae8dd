#!/usr/bin/env python3
"""feedgen.py: a loopback AWS Health Dashboard whose events come and go at random, for the soak.

    feedgen.py --slugs SLUG,... --start EPOCH --interval SECONDS [--seed N] [--port P]

Serves /<slug>.rss for every slug, /all.rss and /currentevents (UTF-16 with a byte-order
mark, as AWS serves it) on 127.0.0.1, with ETag and Last-Modified; a request whose
If-None-Match matches gets 304, as from AWS.

The world moves one step per cycle of the daemon. A cycle fetches every document once
(conditionally), one cycle after another, so request n (0-based) belongs to cycle
n // DOCUMENTS, and the world is at that step, at simulated time START + step * INTERVAL: the
time of the daemon's cycle (`clickstatus run --sim-start`, or `poll --once --now`). Every
document of one cycle shows the same moment.

At each step, from a seeded random.Random (the same seed, the same story):
  - a feed with no event opens one (rate OPEN per feed per step): an item "Informational
    message:", "Performance issues:" or "Service disruption:" with a topic, listed in
    currentevents too with a status and an event log (nine in ten: AWS lists its open
    events there, and now and then one is missing);
  - an open event posts an update (a new item, sometimes worse), has its newest item edited
    in place (same guid, new text: a revision), or resolves ("[RESOLVED]" item; half the
    time the earlier items' titles are rewritten with "[RESOLVED]" as AWS did until 2023:
    more revisions); the currentevents entry gets its end_time and stays listed a while;
  - an event open for MAX_STEPS steps resolves.
Each feed lists its newest 12 items; all.rss the newest 60 of all feeds.

Imported by soak.py (FeedServer); run alone it serves until interrupted, printing its port.
"""
import argparse
import email.utils
import hashlib
import http.server
import json
import random
import socketserver
import threading

OPEN = 0.0015        # chance per feed per step that an event opens
UPDATE = 0.08        # per open event per step: a new item
EDIT = 0.02          # the newest item's text edited in place
RESOLVE = 0.03       # resolved
MAX_STEPS = 300      # an event open this long resolves
FEED_ITEMS = 12
ALL_ITEMS = 60
CE_KEEP = 120        # steps a resolved event stays in currentevents

PREFIXES = [("Informational message", 1), ("Performance issues", 2), ("Service disruption", 3)]
TOPICS = ["Increased API Error Rates", "Elevated Latencies", "Increased Provisioning Times",
          "Connectivity Issues", "Elevated Packet Loss", "Delayed Event Delivery",
          "Increased Error Rates for Some Requests", "Degraded Console Experience"]
WORDS = ("we are investigating increased error rates and latencies affecting some customers "
         "in the region engineers are engaged and working to identify the root cause we have "
         "applied mitigations and are seeing signs of recovery we will provide another update "
         "within the hour some requests may fail or time out").split()

RSS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            '<title><![CDATA[%s Service Status]]></title>\n<link>https://status.aws.amazon.com/'
            '</link>\n<language>en-us</language>\n<lastBuildDate>%s</lastBuildDate>\n'
            '<generator>AWS Service Health Dashboard RSS Generator</generator>\n'
            '<description><![CDATA[soak]]></description>\n<ttl>5</ttl>\n')
RSS_ITEM = ('<item>\n<title><![CDATA[%s]]></title>\n<link>https://status.aws.amazon.com/</link>\n'
            '<pubDate>%s</pubDate>\n<guid isPermaLink="false">%s</guid>\n'
            '<description><![CDATA[%s]]></description>\n</item>\n')


def httpdate(t):
    return email.utils.formatdate(t, usegmt=True)


class World:
    """The dashboard's state, moved one step at a time; documents rebuilt when they change."""

    def __init__(self, slugs, start, interval, seed):
        self.slugs = list(slugs)
        self.start, self.interval = start, interval
        self.rng = random.Random(seed)
        self.step = -1
        self.items = {s: [] for s in self.slugs}   # newest last: dicts guid, epoch, title, desc
        self.events = {}                           # slug -> open event
        self.ce = []                               # currentevents entries
        self.narn = 0
        self.docs = {}                             # path -> (body, etag, last_modified)
        self.stats = {"opened": 0, "updates": 0, "edits": 0, "resolved": 0, "rewrites": 0}
        for s in self.slugs:
            self._feed_doc(s)
        self._all_doc()
        self._ce_doc()

    def now(self):
        return self.start + max(self.step, 0) * self.interval

    def advance_to(self, k):
        while self.step < k:
            self.step += 1
            self._tick(self.start + self.step * self.interval)

    def _text(self, n):
        return " ".join(self.rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    def _add_item(self, slug, t, title):
        it = {"guid": "https://status.aws.amazon.com/#%s_%d" % (slug, t), "epoch": t,
              "title": title, "desc": self._text(self.rng.randint(15, 60))}
        self.items[slug].append(it)
        del self.items[slug][:-FEED_ITEMS]
        return it

    def _tick(self, t):
        changed, ce_changed = set(), False
        for slug in self.slugs:
            ev = self.events.get(slug)
            if ev is None:
                if self.rng.random() < OPEN:
                    prefix, level = self.rng.choice(PREFIXES)
                    ev = {"prefix": prefix, "level": level, "topic": self.rng.choice(TOPICS),
                          "opened": t, "guids": [], "ce": None}
                    it = self._add_item(slug, t, "%s: %s" % (prefix, ev["topic"]))
                    ev["guids"].append(it["guid"])
                    if self.rng.random() < 0.9:
                        self.narn += 1
                        ev["ce"] = {"arn": "arn:aws:health:soak::event/SOAK/%06d" % self.narn,
                                    "service": slug, "status": str(level),
                                    "summary": ev["topic"], "date": str(t), "log": [],
                                    "end": None, "drop": None}
                        ev["ce"]["log"].append({"summary": ev["topic"], "message": it["desc"],
                                                "status": level, "timestamp": t})
                        self.ce.append(ev["ce"])
                        ce_changed = True
                    self.events[slug] = ev
                    self.stats["opened"] += 1
                    changed.add(slug)
                continue
            r = self.rng.random()
            if r < RESOLVE or t - ev["opened"] >= MAX_STEPS * self.interval:
                topic = "[RESOLVED] " + ev["topic"]
                self._add_item(slug, t, "Service is operating normally: " + topic)
                if self.rng.random() < 0.5:
                    for it in self.items[slug]:
                        if it["guid"] in ev["guids"] and "[RESOLVED]" not in it["title"]:
                            it["title"] = it["title"].replace(": ", ": [RESOLVED] ", 1)
                            self.stats["rewrites"] += 1
                if ev["ce"] is not None:
                    ev["ce"].update(status="0", summary=topic, end=t,
                                    drop=t + CE_KEEP * self.interval)
                    ce_changed = True
                del self.events[slug]
                self.stats["resolved"] += 1
                changed.add(slug)
            elif r < RESOLVE + UPDATE:
                if ev["level"] < 3 and self.rng.random() < 0.2:
                    ev["prefix"], ev["level"] = PREFIXES[ev["level"]]
                it = self._add_item(slug, t, "%s: %s" % (ev["prefix"], ev["topic"]))
                ev["guids"].append(it["guid"])
                if ev["ce"] is not None:
                    ev["ce"]["status"] = str(ev["level"])
                    ev["ce"]["log"].append({"summary": ev["topic"], "message": it["desc"],
                                            "status": ev["level"], "timestamp": t})
                    ce_changed = True
                self.stats["updates"] += 1
                changed.add(slug)
            elif r < RESOLVE + UPDATE + EDIT:
                newest = self.items[slug][-1]
                newest["desc"] = newest["desc"] + " " + self._text(8)
                self.stats["edits"] += 1
                changed.add(slug)
        before = len(self.ce)
        self.ce = [e for e in self.ce if e["drop"] is None or e["drop"] > t]
        ce_changed = ce_changed or len(self.ce) != before
        for slug in changed:
            self._feed_doc(slug)
        if changed:
            self._all_doc()
        if ce_changed:
            self._ce_doc()

    def _put(self, path, body, t):
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        self.docs[path] = (body, etag, httpdate(t))

    def _rss(self, title, items, t):
        out = [RSS_HEAD % (title, httpdate(t))]
        for it in sorted(items, key=lambda i: (-i["epoch"], i["guid"])):
            out.append(RSS_ITEM % (it["title"], httpdate(it["epoch"]), it["guid"], it["desc"]))
        out.append("</channel>\n</rss>\n")
        return "".join(out).encode()

    def _feed_doc(self, slug):
        items = self.items[slug]
        t = items[-1]["epoch"] if items else self.start
        self._put("/%s.rss" % slug, self._rss(slug, items, t), t)

    def _all_doc(self):
        every = [it for s in self.slugs for it in self.items[s]]
        every.sort(key=lambda i: (-i["epoch"], i["guid"]))
        t = every[0]["epoch"] if every else self.start
        self._put("/all.rss", self._rss("All", every[:ALL_ITEMS], t), t)

    def _ce_doc(self):
        doc = []
        for e in self.ce:
            d = {"date": e["date"], "arn": e["arn"], "region_name": "Soak", "status": e["status"],
                 "service": e["service"], "service_name": e["service"], "summary": e["summary"],
                 "event_log": e["log"]}
            if e["end"] is not None:
                d["end_time"] = str(e["end"])
            doc.append(d)
        body = b"\xff\xfe" + json.dumps(doc, indent=1).encode("utf-16-le")
        self._put("/currentevents", body, self.now())


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        path = self.path.split("?", 1)[0]
        with srv.lock:
            srv.world.advance_to(srv.requests // srv.ndocs)
            srv.requests += 1
            srv.cycles = srv.requests // srv.ndocs + (srv.requests % srv.ndocs > 0)
            doc = srv.world.docs.get(path)
        if doc is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, etag, lastmod = doc
        if self.headers.get("If-None-Match") == etag:
            with srv.lock:
                srv.not_modified += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if path == "/currentevents"
                         else "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lastmod)
        self.end_headers()
        self.wfile.write(body)


class FeedServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """The dashboard on 127.0.0.1:port (0: a free one), in a thread of its own."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, world, port=0):
        super().__init__(("127.0.0.1", port), Handler)
        self.world = world
        self.lock = threading.Lock()
        self.ndocs = len(world.docs)   # the feeds, all.rss, currentevents
        self.cycles = 0                # cycles begun (their first request came)
        self.requests = 0
        self.not_modified = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slugs", required=True)
    ap.add_argument("--start", type=int, required=True)
    ap.add_argument("--interval", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    srv = FeedServer(World(a.slugs.split(","), a.start, a.interval, a.seed), a.port)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
