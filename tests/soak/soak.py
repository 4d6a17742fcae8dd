#!/usr/bin/env python3
"""soak.py: the long-lived daemon over thousands of cycles: memory, descriptors and the store
stay flat.

    soak.py --bin CLICKSTATUS --src SOURCE_TREE [--cycles N] [--interval S] [--seed N]
            [--samples N] [--work DIR]

Runs `clickstatus run --sim-start T --sim-end T2 --sim-step-ms 0`: N cycles one after
another, as fast as they go, cycle k at simulated time T + k * S, the mail and MQTT passes
after each at that time too, then exit 0. Against it, on 127.0.0.1 only:
  - feedgen.py's dashboard: every configured feed, all.rss and currentevents, events opening,
    edited, resolving at random (seeded);
  - a private mosquitto (tests/integration/mosquitto.sh) with a subscriber counting every
    message under the prefix;
  - four confirmed email subscribers (the Maildir under the state directory).
Every N/SAMPLES cycles (as feedgen counts them) it reads the daemon's VmRSS and open file
descriptors (/proc/PID), the store's size (database + WAL) per event (incidents + updates +
AWS items), the outbox and the deliveries, the Maildir and the MQTT messages, and prints a
row. At the end it asserts flatness against the row after warm-up (half the run, at least
100 cycles: the store grows until its retention bites, SQLite's page caches with it):
  - RSS at the end at most 10 % + 2 MiB above it;
  - the same number of open files, and of sockets give or take libcurl's idle connections;
  - store bytes per event not above it (+ 10 %);
and that the run did something: incidents opened, mail in the Maildir, MQTT messages,
outbox rows pruned once older than 7 days (when the run is that long). Exit 0 when all hold.
"""
import argparse
import calendar
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import json
import re

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import feedgen  # noqa: E402

START = calendar.timegm((2026, 1, 5, 0, 0, 0))   # a Monday, 00:00 UTC
PREFIX = "click/status"
RSS_SLACK_KB = 2048
SOCK_SLACK = 8   # max_parallel of the configuration
SUBSCRIBERS = [("ann@example.com", []), ("bob@example.com", ["reporting", "web-chat"]),
               ("cat@example.com", ["inbound-voice"]), ("dan@example.com", [])]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Counter:
    """mosquitto_sub on PREFIX/#, counting the messages it prints, one a line."""

    def __init__(self, port):
        self.n = 0
        self.p = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-u", "dash", "-P", "dash-pw",
             "-q", "1", "-t", PREFIX + "/#", "-F", "%t"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for _ in self.p.stdout:
            self.n += 1

    def stop(self):
        self.p.terminate()
        self.p.wait(5)


def proc_rss_kb(pid):
    """VmRSS of a live process; OSError once it is exiting (a zombie has none)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise OSError("no VmRSS: exiting")


def proc_fds(pid):
    """Open descriptors: (files, sockets), each the fewest over ten looks 10 ms apart. The
    daemon at full speed has a Maildir file or a fetch's socket open now and then, and
    libcurl keeps up to max_parallel idle connections to the feed host; a leak raises the
    floor."""
    files, socks = [], []
    for _ in range(10):
        targets = []
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                targets.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
            except OSError:
                pass
        socks.append(sum(1 for t in targets if t.startswith("socket:")))
        files.append(len(targets) - socks[-1])
        time.sleep(0.01)
    proc_rss_kb(pid)  # still alive after the looks: not descriptors closed by its exit
    return min(files), min(socks)


def store_figures(state):
    db = os.path.join(state, "clickstatus.db")
    wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        q = lambda s: c.execute(s).fetchone()[0]  # noqa: E731
        f = {"incidents": q("SELECT count(*) FROM incidents"),
             "updates": q("SELECT count(*) FROM incident_updates"),
             "items": q("SELECT count(*) FROM items"),
             "revisions": q("SELECT count(*) FROM item_revisions"),
             "outbox": q("SELECT count(*) FROM outbox"),
             "outbox_max": q("SELECT coalesce(max(id), 0) FROM outbox"),
             "deliveries": q("SELECT count(*) FROM deliveries"),
             "history": q("SELECT count(*) FROM component_history")}
    finally:
        c.close()
    f["bytes"] = os.path.getsize(db)
    f["wal"] = wal
    f["events"] = f["incidents"] + f["updates"] + f["items"]
    return f


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def maildir_count(state):
    n = 0
    for sub in ("new", "cur"):
        d = os.path.join(state, "mail", sub)
        if os.path.isdir(d):
            n += len(os.listdir(d))
    return n


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit("FAIL: %s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout,
                                                      p.stderr))
    return p.stdout


HEAD = ("%7s %10s %8s %4s %7s %6s %7s %7s %6s %6s %7s %7s %6s %8s" %
        ("cycle", "sim", "rss_kB", "fds", "db_kB", "wal_kB", "events", "B/event", "incid",
         "items", "outbox", "deliv", "mail", "mqtt"))


def row(s):
    return ("%7d %10s %8d %4d %7d %6d %7d %7d %6d %6d %7d %7d %6d %8d" %
            (s["cycle"], iso(s["sim"])[:10], s["rss"], s["fds"], s["bytes"] // 1024,
             s["wal"] // 1024, s["events"], s["bytes"] // max(s["events"], 1), s["incidents"],
             s["items"], s["outbox"], s["deliveries"], s["mail"], s["mqtt"]))


class Pruner:
    """`clickstatus prune` beside the daemon every simulated hour, at that time, as cron would
    run it: its batches share the store with the cycle and the mailer. (Once `run` prunes by
    itself, this is a second, idempotent pass.)"""

    def __init__(self, cmd, srv, interval, every=3600):
        self.cmd, self.srv, self.interval = cmd, srv, interval
        self.every = max(every, interval)
        self.runs, self.deleted, self.errors = 0, {}, []
        self.stopping = False
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self):
        due = START + self.every
        while not self.stopping:
            now = START + max(self.srv.cycles - 1, 0) * self.interval
            if now < due:
                time.sleep(0.02)
                continue
            p = subprocess.run(self.cmd + ["--now", iso(now), "prune"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            self.runs += 1
            if p.returncode != 0:
                self.errors.append(p.stderr.strip())
            for n, what in re.findall(r"(\d+) ([a-z ]+?)(?:,| in )", p.stdout):
                self.deleted[what] = self.deleted.get(what, 0) + int(n)
            due = now - now % self.every + self.every

    def stop(self):
        self.stopping = True
        self.t.join(30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--cycles", type=int, default=10000)
    ap.add_argument("--interval", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20260105)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--work")
    a = ap.parse_args()
    cs = os.path.abspath(a.bin)
    for tool in ("mosquitto_sub", "/usr/sbin/mosquitto"):
        if shutil.which(tool) is None:
            raise SystemExit("FAIL: %s is missing: scripts/install-deps --test installs it" % tool)
    work = a.work or tempfile.mkdtemp(prefix="cs-soak.")
    os.makedirs(work, exist_ok=True)
    state = os.path.join(work, "state")
    broker = os.path.join(work, "broker")
    srv = counter = daemon = pruner = None
    failures, passed = [], []
    try:
        port = int(run(["sh", os.path.join(a.src, "tests/integration/mosquitto.sh"), "start",
                        broker]).split()[-1])
        slugs = run([cs, "feeds"]).split()
        world = feedgen.World(slugs, START, a.interval, a.seed)
        srv = feedgen.FeedServer(world)
        fport = srv.start()
        base = "http://127.0.0.1:%d/" % fport
        with open(os.path.join(a.src, "feeds", "click.json")) as f:
            c = json.load(f)
        pw = os.path.join(work, "monitor.pw")
        with open(pw, "w") as f:
            f.write("monitor-pw\n")
        c.update(poll_interval=a.interval, render_interval=max(a.interval, 300))
        c["mqtt"] = {"host": "127.0.0.1", "port": port, "username": "monitor",
                     "password_file": pw, "keepalive": 30}
        cfg = os.path.join(work, "click.json")
        with open(cfg, "w") as f:
            json.dump(c, f)
        base_cmd = [cs, "--config", cfg, "--state-dir", state]
        run(base_cmd + ["check-config"])
        for email, comps in SUBSCRIBERS:
            run(base_cmd + ["subscribers", "add", email] +
                (["--components", ",".join(comps)] if comps else []))
        counter = Counter(port)
        time.sleep(0.3)
        end = START + (a.cycles - 1) * a.interval
        log = open(os.path.join(work, "daemon.log"), "w")
        t0 = time.time()
        daemon = subprocess.Popen(base_cmd + [
            "run", "--sim-start", iso(START), "--sim-end", iso(end), "--sim-step-ms", "0",
            "--feed-base-url", base, "--currentevents-url", base + "currentevents",
            "--listen", "127.0.0.1:%d" % free_port()],
            stdout=log, stderr=log)
        pruner = Pruner(base_cmd, srv, a.interval)
        # The store grows until its retention bites (outbox 7 days, mail 30), and SQLite's page
        # caches (2 MB a connection) and the heap with it: flat from half-way on.
        warm = max(100, a.cycles // 2)
        marks = sorted(set([1, warm] + [a.cycles * i // a.samples for i in range(1, a.samples)]))
        samples, last = [], None
        print("soak: %d cycles of %d s from %s to %s; seed %d; daemon pid %d; work %s"
              % (a.cycles, a.interval, iso(START), iso(end), a.seed, daemon.pid, work))
        print(HEAD, flush=True)
        while daemon.poll() is None:
            k = srv.cycles
            try:
                files, socks = proc_fds(daemon.pid)
                s = {"cycle": k, "sim": START + max(k - 1, 0) * a.interval, "fds": files + socks,
                     "files": files, "socks": socks, "rss": proc_rss_kb(daemon.pid),
                     "mail": maildir_count(state), "mqtt": counter.n}
                s.update(store_figures(state))
            except (OSError, sqlite3.Error):
                time.sleep(0.05)
                continue
            # After its last cycle the daemon drains and closes: not a steady state.
            if k < a.cycles:
                last = s
            if marks and k >= marks[0] and k < a.cycles:
                while marks and k >= marks[0]:
                    marks.pop(0)
                samples.append(s)
                print(row(s), flush=True)
            time.sleep(0.2)
        rc = daemon.wait()
        wall = time.time() - t0
        pruner.stop()
        log.close()
        time.sleep(1)  # the counter drains what the broker still had in flight
        if last is not None and (not samples or samples[-1] is not last):
            samples.append(last)
            print(row(last) + "  (last before exit)")
        final = store_figures(state)
        final.update(mail=maildir_count(state), mqtt=counter.n)
        print("end: %d cycles in %.0f s (%.1f ms a cycle); world %s; %d requests, %d answered 304"
              % (srv.cycles, wall, 1000 * wall / max(srv.cycles, 1),
                 " ".join("%s=%d" % kv for kv in world.stats.items()), srv.requests,
                 srv.not_modified))
        print("end: store %d kB, %d events (%d incidents, %d updates, %d items, %d revisions),"
              " outbox %d rows of %d ever, %d deliveries, %d history periods, %d mails, %d MQTT"
              " messages" % (final["bytes"] // 1024, final["events"], final["incidents"],
                             final["updates"], final["items"], final["revisions"],
                             final["outbox"], final["outbox_max"], final["deliveries"],
                             final["history"], final["mail"], final["mqtt"]))

        def check(name, ok, detail=""):
            print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail else ""))
            (passed if ok else failures).append(name)

        print("end: %d prunes beside the daemon deleted %s" % (pruner.runs, ", ".join(
            "%d %s" % (n, w) for w, n in sorted(pruner.deleted.items())) or "nothing"))
        check("the daemon exits 0 after sim-end", rc == 0, "exit %s" % rc)
        check("every prune succeeded beside the daemon", not pruner.errors,
              "; ".join(pruner.errors[:3]))
        check("it ran every cycle", srv.cycles == a.cycles, "%d of %d" % (srv.cycles, a.cycles))
        w = next((s for s in samples if s["cycle"] >= warm), None)
        e = samples[-1] if samples else None
        if w is None or e is None or e is w:
            check("samples after warm-up", False, "the run ended before cycle %d" % warm)
        else:
            lim = int(w["rss"] * 1.10) + RSS_SLACK_KB
            check("RSS flat: %d kB at cycle %d, %d kB after warm-up (cycle %d), limit %d kB"
                  % (e["rss"], e["cycle"], w["rss"], w["cycle"], lim), e["rss"] <= lim)
            check("open files flat: %d at cycle %d, %d after warm-up" %
                  (e["files"], e["cycle"], w["files"]), e["files"] == w["files"])
            check("open sockets flat: %d at cycle %d, %d after warm-up (+%d: libcurl's idle"
                  " connections)" % (e["socks"], e["cycle"], w["socks"], SOCK_SLACK),
                  e["socks"] <= w["socks"] + SOCK_SLACK)
            be, bw = e["bytes"] / max(e["events"], 1), w["bytes"] / max(w["events"], 1)
            check("store bytes per event not growing: %.0f at cycle %d, %.0f after warm-up"
                  % (be, e["cycle"], bw), be <= bw * 1.10)
        check("incidents opened", final["incidents"] > 0)
        check("mail delivered to the Maildir", final["mail"] > 0)
        check("MQTT messages published", final["mqtt"] > 0)
        if (a.cycles - 1) * a.interval > 8 * 86400:
            check("outbox rows finished over 7 days ago were pruned (%d left of %d)"
                  % (final["outbox"], final["outbox_max"]), final["outbox"] < final["outbox_max"])
        print("%d passed, %d failed" % (len(passed), len(failures)))
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
        if pruner is not None:
            pruner.stop()
        if counter is not None:
            counter.stop()
        if srv is not None:
            srv.stop()
        subprocess.run(["sh", os.path.join(a.src, "tests/integration/mosquitto.sh"), "stop",
                        broker], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not a.work and not failures and not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
