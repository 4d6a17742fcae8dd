#!/usr/bin/env python3
"""mqtt_test.py: clickstatus over MQTT against real mosquitto brokers on loopback.

usage: mqtt_test.py PATH/TO/clickstatus SOURCE_DIR

Each broker has its own config (listener, password file, ACL: mosquitto.sh);
the feeds are the recorded Direct Connect event served by nginx. What is
expected is written here from the issue and the recorded feed, never read
back from the code's output:
  replay     a late subscriber's retained state is the site's summary.json;
             a broker restart in the middle of the incident loses no event:
             every event arrives at least once, in the store's order, and the
             resolved incident's retained topic is cleared
  daemon     kill -9 shows "offline" (the Last Will), a restart "online";
             a broker that forgot everything gets the whole state again;
             SIGTERM says "offline" (stopped)
  refusals   wrong credentials and a forbidding ACL: one clear error each,
             retried with backoff, nothing marked delivered; an unknown host
             named (the lookup in a network namespace with nothing up)
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

CS, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = tempfile.mkdtemp(prefix="cs-mqtt-")
PREFIX = "click/status"
# The recorded Direct Connect event (feeds/recorded/all.rss): the first item
# 2026-08-15T03:42Z, the resolution 2026-08-18T04:01Z.
STEPS = ["2026-08-15T03:00:00Z", "2026-08-15T04:00:00Z", "2026-08-16T12:00:00Z",
         "2026-08-17T18:05:00Z", "2026-08-18T05:00:00Z"]
results = []
procs = []
brokers = []


def check(name, cond, detail=""):
    results.append(cond)
    print(("ok   " if cond else "FAIL ") + name + ("" if cond or not detail else ": " + str(detail)),
          flush=True)
    return cond


def run(*args, check_rc=None, **kw):
    p = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check_rc is not None and p.returncode != check_rc:
        raise SystemExit("%s: exit %d, expected %d\n%s%s" % (" ".join(args), p.returncode,
                         check_rc, p.stdout, p.stderr))
    return p


def broker(name, persist=True):
    d = os.path.join(WORK, name)
    env = dict(os.environ, MOSQUITTO_PERSIST="1" if persist else "0")
    port = int(run("sh", os.path.join(HERE, "mosquitto.sh"), "start", d, env=env,
                   check_rc=0).stdout.split()[-1])
    brokers.append(d)
    return d, port


def broker_log(d):
    with open(os.path.join(d, "mosquitto.log"), errors="replace") as f:
        return f.read()


def config(name, port, user, password, extra=None, mqtt=None):
    """CLICK's configuration with an "mqtt" section (mqtt: keys to set in it) and extra keys."""
    with open(os.path.join(SRC, "feeds", "click.json")) as f:
        c = json.load(f)
    pw = os.path.join(WORK, name + ".pw")
    with open(pw, "w") as f:
        f.write(password + "\n")
    c["mqtt"] = {"host": "127.0.0.1", "port": port, "username": user, "password_file": pw,
                 "keepalive": 10}
    c["mqtt"].update(mqtt or {})
    c.update(extra or {})
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(c, f)
    return path


class Sub:
    """A mosquitto_sub (MQTT 5, QoS 1) whose messages are collected as they come."""

    def __init__(self, port, topic, client_id=None, persistent=False, wait=None):
        args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-u", "dash", "-P", "dash-pw",
                "-V", "mqttv5", "-q", "1", "-t", topic, "-F", "%J"]
        if client_id:
            args += ["-i", client_id]
        if persistent:
            # A session that outlives the connection, kept by the broker (its persistence).
            args += ["-c", "-x", "3600"]
        if wait:
            args += ["-W", str(wait)]
        self.msgs = []
        self.lock = threading.Lock()
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(self.p)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            try:
                m = json.loads(line)
            except ValueError:
                m = {"unparsed": line}
            with self.lock:
                self.msgs.append(m)

    def wait_for(self, pred, timeout):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                for m in self.msgs:
                    if pred(m):
                        return m
            time.sleep(0.05)
        return None

    def done(self):
        self.p.wait(timeout=30)
        self.t.join(timeout=5)
        return self.msgs

    def stop(self):
        self.p.terminate()
        return self.done()


def retained_state(port, seconds=1.5):
    """What a dashboard connecting now receives: the retained message of every topic."""
    s = Sub(port, PREFIX + "/#", wait=seconds)
    return {m["topic"]: m for m in s.done() if m.get("retain")}


def payload(m):
    p = m.get("payload")
    return p if isinstance(p, (dict, list)) else (json.loads(p) if p else None)


def feeds_dir():
    d = os.path.join(WORK, "rss")
    os.makedirs(d)
    for slug in run(CS, "feeds", check_rc=0).stdout.split():
        shutil.copy(os.path.join(SRC, "feeds/recorded/empty.rss"), os.path.join(d, slug + ".rss"))
    for f in ("all.rss", "ec2-us-east-1.rss", "currentevents"):
        shutil.copy(os.path.join(SRC, "feeds/recorded", f), d)
    port = run("sh", os.path.join(HERE, "nginx.sh"), "start", d, os.path.join(WORK, "nginx"),
               check_rc=0).stdout.split()[-1]
    return "http://127.0.0.1:%s/" % port


def outbox_mqtt(state):
    db = sqlite3.connect(os.path.join(state, "clickstatus.db"))
    rows = db.execute("SELECT id, dedup_key, state FROM outbox WHERE channel = 'mqtt' ORDER BY id").fetchall()
    db.close()
    return rows


def summary_file(state):
    with open(os.path.join(state, "site", "current", "api", "v2", "summary.json")) as f:
        return json.load(f)


def without(d, *path):
    d = json.loads(json.dumps(d))
    for p in path:
        o = d
        for k in p[:-1]:
            o = o[k]
        o.pop(p[-1], None)
    return d


def test_replay(feed_url):
    bdir, port = broker("replay")
    cfg = config("replay", port, "monitor", "monitor-pw")
    state = os.path.join(WORK, "state-replay")

    def cs(*a, rc=None):
        return run(CS, "--config", cfg, "--state-dir", state, *a, check_rc=rc)

    events = Sub(port, PREFIX + "/events", client_id="dash-events", persistent=True)
    if not check("replay: the dashboard's subscription is up", wait_log(bdir, "as dash-events", 1)):
        return
    for i, t in enumerate(STEPS):
        cs("--now", t, "poll", "--once", "--feed-base-url", feed_url)
        if i == 2:
            # The broker goes down in the middle of the incident: the pass fails, nothing is lost.
            run("sh", os.path.join(HERE, "mosquitto.sh"), "stop", bdir, check_rc=0)
            p = cs("--now", t, "mqtt")
            owed = [r for r in outbox_mqtt(state) if r[2] == "pending"]
            err = [l for l in p.stderr.splitlines() if l.startswith("error")]
            check("replay: with the broker down `mqtt` exits 1 and says so in one line",
                  p.returncode == 1 and len(err) == 1 and
                  "cannot connect to 127.0.0.1:%d: Connection refused" % port in err[0],
                  p.stderr)
            check("replay: the events of that cycle stay owed", len(owed) >= 1, owed)
            run("sh", os.path.join(HERE, "mosquitto.sh"), "restart", bdir, check_rc=0)
            # Back within the outbox expiry (mqtt.max_age): the backlog goes out.
            p = cs("--now", t, "mqtt")
            check("replay: once the broker is back the owed events go out",
                  p.returncode == 0 and "%d event" % len(owed) in p.stdout, p.stdout + p.stderr)
            continue
        p = cs("--now", t, "mqtt")
        check("replay: `mqtt` at %s exits 0" % t, p.returncode == 0, p.stdout + p.stderr)
        if i == 1:
            st = retained_state(port)
            inc = payload(st.get(PREFIX + "/incidents/1", {})) or {}
            check("replay: the open incident is retained, investigating",
                  inc.get("status") == "investigating" and inc.get("schema") == 1, inc)
            comp = payload(st.get(PREFIX + "/components/eu-contact-centre", {})) or {}
            check("replay: the EU contact centre's retained status names its AWS cause",
                  comp.get("status") == "degraded_performance" and
                  (comp.get("cause") or {}).get("slug") == "directconnect-eu-central-1", comp)

    rows = outbox_mqtt(state)
    want = [k[:-len(":mqtt")] for _, k, _ in rows]
    # Every event has arrived once the broker delivered the backlog to the session.
    events.wait_for(lambda m: (payload(m) or {}).get("event_id") == want[-1], 10)
    got = [(payload(m) or {}).get("event_id") for m in events.stop()]
    first = []
    for e in got:
        if e not in first:
            first.append(e)
    check("replay: every event the store committed arrived at least once",
          set(want) <= set(got), sorted(set(want) - set(got)))
    check("replay: in the order the store committed them", first == want,
          {"got": first, "want": want})
    check("replay: the outbox marks them all delivered (acknowledged)",
          all(r[2] == "delivered" for r in rows), rows)
    names = set(want)
    check("replay: the events include the component's degradation and the incident's resolution",
          any(e.startswith("component:eu-contact-centre:degraded_performance@") for e in names)
          and "incident:1:update:1" in names and
          any((payload(m) or {}).get("status") == "resolved" and
              (payload(m) or {}).get("type") == "incident_update" for m in events.msgs), sorted(names))
    ev = [m for m in events.msgs if m.get("topic") == PREFIX + "/events"]
    check("replay: events are not retained, are JSON with content type and an expiry",
          ev and all(not m.get("retain") and
                     m.get("properties", {}).get("content-type") == "application/json" and
                     0 < int(m.get("properties", {}).get("message-expiry-interval", 0)) <= 3600
                     for m in ev), ev[:1])

    # A dashboard connecting after the end: the whole state, equal to the site's.
    st = retained_state(port)
    summ = payload(st.get(PREFIX + "/summary", {})) or {}
    site = summary_file(state)
    check("replay: a late subscriber's summary is the site's summary.json",
          without(summ, ("schema",), ("page", "render_id")) == without(site, ("page", "render_id")),
          json.dumps(summ)[:300])
    comps = {c["id"]: c["status"] for c in site["components"] if not c.get("group")}
    got_c = {t.rsplit("/", 1)[1]: payload(m)["status"] for t, m in st.items()
             if t.startswith(PREFIX + "/components/")}
    check("replay: one retained topic per component, with the site's status", got_c == comps,
          {"mqtt": got_c, "site": comps})
    check("replay: the resolved incident's retained topic is cleared",
          not any(t.startswith(PREFIX + "/incidents/") for t in st), sorted(st))
    aws = [t for t in st if t.startswith(PREFIX + "/aws/")]
    dc = payload(st.get(PREFIX + "/aws/directconnect-eu-central-1", {})) or {}
    check("replay: every watched AWS feed has its retained state and newest item",
          len(aws) == len(run(CS, "feeds", check_rc=0).stdout.split()) and
          "RESOLVED" in ((dc.get("item") or {}).get("title") or ""), dc)
    check("replay: the SLA clocks are retained", PREFIX + "/sla" in st and
          isinstance(payload(st[PREFIX + "/sla"]).get("clocks"), list), sorted(st)[:5])
    check("replay: the one-shot pass leaves the monitor topic alone", PREFIX + "/monitor" not in st)


def wait_log(bdir, text, count, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if broker_log(bdir).count(text) >= count:
            return True
        time.sleep(0.05)
    return False


def daemon(cfg, state, feed_url, log):
    f = open(log, "a")
    p = subprocess.Popen([CS, "--config", cfg, "--state-dir", state, "poll", "--feed-base-url",
                          feed_url], stdout=f, stderr=f)
    procs.append(p)
    return p


def test_daemon(feed_url):
    bdir, port = broker("daemon", persist=False)
    cfg = config("daemon", port, "monitor", "monitor-pw", {"poll_interval": 10})
    state = os.path.join(WORK, "state-daemon")
    log = os.path.join(WORK, "daemon.log")
    mon = Sub(port, PREFIX + "/monitor")

    def status_is(s, reason=None, after=0):
        def pred(m):
            p = payload(m) or {}
            return (m.get("_n", 1 << 30) >= after and p.get("status") == s and
                    (reason is None or p.get("reason") == reason))
        return pred

    def numbered():
        with mon.lock:
            for i, m in enumerate(mon.msgs):
                m["_n"] = i
            return len(mon.msgs)

    d = daemon(cfg, state, feed_url, log)
    t0 = time.time()
    m = None
    while m is None and time.time() - t0 < 15:
        numbered()
        m = mon.wait_for(status_is("online"), 0.2)
    check("daemon: the monitor says online", m is not None and (payload(m) or {}).get("last_poll"),
          m)
    n = numbered()
    os.kill(d.pid, signal.SIGKILL)
    d.wait()
    t0 = time.time()
    m = None
    while m is None and time.time() - t0 < 10:
        numbered()
        m = mon.wait_for(status_is("offline", "connection lost", n), 0.2)
    check("daemon: kill -9 shows offline (the Last Will) within 2 s",
          m is not None and time.time() - t0 < 2, m)
    n = numbered()
    d = daemon(cfg, state, feed_url, log)
    t0 = time.time()
    m = None
    while m is None and time.time() - t0 < 15:
        numbered()
        m = mon.wait_for(status_is("online", None, n), 0.2)
    check("daemon: after a restart, online again", m is not None, mon.msgs[-3:])

    # An engineer schedules maintenance while the daemon runs: the dashboards get the event at
    # once (the command commits it; the daemon's next pass publishes it), the subscriber a mail.
    evs = Sub(port, PREFIX + "/events")
    time.sleep(0.3)
    run(CS, "--config", cfg, "--state-dir", state, "subscribers", "add", "ops@example.com",
        check_rc=0)
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400 + 3600))
    run(CS, "--config", cfg, "--state-dir", state, "maintenance", "schedule", "--title",
        "Carrier upgrade", "--start", start, "--end", end, "--component", "inbound-voice",
        check_rc=0)
    t0 = time.time()
    m = evs.wait_for(lambda m: "maintenance:1:scheduled" == (payload(m) or {}).get("event_id"), 15)
    check("daemon: a maintenance scheduled meanwhile reaches the dashboards within 3 s (%.1f s)"
          % (time.time() - t0), m is not None and time.time() - t0 < 3, evs.msgs[-2:])
    evs.stop()
    maildir = os.path.join(state, "mail", "new")
    t0 = time.time()
    while time.time() - t0 < 15 and not (os.path.isdir(maildir) and os.listdir(maildir)):
        time.sleep(0.2)
    check("daemon: and the subscriber's mail is sent after that cycle",
          os.path.isdir(maildir) and len(os.listdir(maildir)) == 1)

    # The broker restarts and forgets every retained message (no persistence).
    seen = broker_log(bdir).count("as clickstatus-click")
    run("sh", os.path.join(HERE, "mosquitto.sh"), "restart", bdir, check_rc=0)
    ok = wait_log(bdir, "as clickstatus-click", seen + 1, timeout=15)
    time.sleep(1.0)
    st = retained_state(port)
    comps = [t for t in st if t.startswith(PREFIX + "/components/")]
    check("daemon: after the broker's restart the whole retained state is back",
          ok and PREFIX + "/summary" in st and len(comps) == 12 and
          (payload(st.get(PREFIX + "/monitor", {})) or {}).get("status") == "online", sorted(st))
    mon.stop()
    mon2 = Sub(port, PREFIX + "/monitor")
    time.sleep(0.5)
    t0 = time.time()
    d.send_signal(signal.SIGTERM)
    try:
        rc = d.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    check("daemon: SIGTERM stops it within 10 s, exit 0 (rc %s)" % rc, rc == 0)
    m = mon2.wait_for(lambda m: (payload(m) or {}).get("reason") == "stopped", 3)
    check("daemon: and the monitor says offline (stopped)", m is not None and
          (payload(m) or {}).get("status") == "offline", mon2.msgs)
    mon2.stop()
    with open(log) as f:
        text = f.read()
    noise = [l for l in text.splitlines() if l.startswith("error") and
             "127.0.0.1:%d" % port not in l]
    check("daemon: its log has no error but the broker's restart (connection lost, refused)",
          not noise, noise)


def test_refusals(feed_url):
    bdir, port = broker("refusals")
    state = os.path.join(WORK, "state-refusals")
    # Wrong password: one error, then backoff (1, 2, 4 s ...), not a tight loop.
    cfg = config("badpw", port, "monitor", "wrong-pw", {"poll_interval": 60})
    log = os.path.join(WORK, "badpw.log")
    d = daemon(cfg, state, feed_url, log)
    time.sleep(8)
    d.send_signal(signal.SIGTERM)
    d.wait(timeout=15)
    attempts = broker_log(bdir).count("disconnected, not authorised")
    with open(log) as f:
        lines = [l for l in f.read().splitlines() if l.startswith("error mqtt")]
    check("refusals: wrong credentials give one clear error",
          len(lines) == 1 and "refused the connection" in lines[0] and
          "127.0.0.1:%d" % port in lines[0] and
          ("password" in lines[0].lower() or "authori" in lines[0].lower()), lines)
    check("refusals: retried with backoff over 8 s (%d attempts, 3 to 5 expected)" % attempts,
          3 <= attempts <= 5)
    # An ACL that lets the user read but not write the prefix.
    cfg = config("acl", port, "readonly", "readonly-pw")
    p = run(CS, "--config", cfg, "--state-dir", state, "mqtt")
    err = [l for l in p.stderr.splitlines() if l.startswith("error mqtt")]
    check("refusals: a forbidding ACL: `mqtt` exits 1 with one error naming the ACL",
          p.returncode == 1 and len(err) == 1 and "Not authorized" in err[0] and
          "ACL" in err[0] and "readonly" in err[0] and PREFIX in err[0], p.stdout + p.stderr)
    owed = [r for r in outbox_mqtt(state) if r[2] != "delivered"]
    check("refusals: the refused events stay owed (%d)" % len(owed), len(owed) > 0)
    log = os.path.join(WORK, "acl.log")
    before = broker_log(bdir).count("as clickstatus-click")
    d = daemon(cfg, state, feed_url, log)
    time.sleep(8)
    d.send_signal(signal.SIGTERM)
    d.wait(timeout=15)
    with open(log) as f:
        lines = [l for l in f.read().splitlines() if l.startswith("error mqtt")]
    check("refusals: the daemon says it once and backs off", len(lines) == 1 and
          "retrying with backoff" in lines[0], lines)
    check("refusals: without reconnecting in a loop",
          broker_log(bdir).count("as clickstatus-click") - before <= 2)
    # An unknown host. The lookup runs in a network namespace of its own where no interface
    # is up, so that it reaches no resolver at all (tests contact loopback only): it fails
    # as a name that does not resolve does.
    cfg = config("nohost", port, "monitor", "monitor-pw", mqtt={"host": "broker.example.invalid"})
    ns = ["unshare", "-n"] if os.getuid() == 0 else ["unshare", "-rn"]
    if run(*ns, "true").returncode != 0:
        check("refusals: an unknown host (needs %s: a network namespace)" % " ".join(ns), False)
    else:
        p = run(*ns, CS, "--config", cfg, "--state-dir", state, "mqtt")
        err = [l for l in p.stderr.splitlines() if l.startswith("error mqtt")]
        check("refusals: an unknown host: `mqtt` exits 1 with one error naming the host",
              p.returncode == 1 and len(err) == 1 and
              "broker.example.invalid:%d" % port in err[0] and "does not resolve" in err[0],
              p.stdout + p.stderr)
    # A broker back after longer than mqtt.max_age (1 day): the old events expire, unsent.
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2 * 86400))
    cfg = config("good", port, "monitor", "monitor-pw")
    p = run(CS, "--config", cfg, "--state-dir", state, "--now", later, "mqtt")
    rows = outbox_mqtt(state)
    check("refusals: a broker back after max_age gets no week-old replay",
          p.returncode == 0 and p.stdout.startswith("0 events") and rows and
          all(r[2] == "expired" for r in rows), (p.stdout, rows[:3]))
    # "protocol": "3.1.1" for an old broker: the same state, no MQTT 5 properties.
    cfg = config("v311", port, "monitor", "monitor-pw", mqtt={"protocol": "3.1.1"})
    s = Sub(port, PREFIX + "/summary")
    time.sleep(0.3)
    p = run(CS, "--config", cfg, "--state-dir", state, "mqtt")
    # The live message (not the retained one the broker held from before: retain 0);
    # mosquitto logs MQTT 3.1.1 as "p2" (its enum), 5 as "p5".
    m = s.wait_for(lambda m: m.get("topic") == PREFIX + "/summary" and not m.get("retain"), 5)
    s.stop()
    check("refusals: MQTT 3.1.1 works, without the MQTT 5 properties",
          p.returncode == 0 and m is not None and "content-type" not in m.get("properties", {})
          and "as clickstatus-click (p2," in broker_log(bdir),
          (p.returncode, p.stderr, m and m.get("properties")))

    # A prefix with a wildcard is a configuration error, named.
    bad = config("badprefix", port, "monitor", "monitor-pw", mqtt={"prefix": "click/#"})
    p = run(CS, "--config", bad, "check-config")
    check("refusals: a prefix with '#' is refused by check-config",
          p.returncode != 0 and "mqtt.prefix" in p.stderr + p.stdout and "'#'" in p.stderr + p.stdout,
          p.stderr)


def test_tls():
    env = dict(os.environ, MOSQUITTO_TLS="1")
    d = os.path.join(WORK, "tls")
    run("sh", os.path.join(HERE, "mosquitto.sh"), "start", d, env=env, check_rc=0)
    brokers.append(d)
    with open(os.path.join(d, "tls_port")) as f:
        port = int(f.read())
    state = os.path.join(WORK, "state-tls")
    cases = [  # host, CA, expected to connect; the certificate is for "localhost" only
        ("localhost", os.path.join(d, "ca.pem"), True, "the broker's CA"),
        ("127.0.0.1", os.path.join(d, "ca.pem"), False, "a name the certificate does not carry"),
        ("localhost", os.path.join(d, "other-ca.pem"), False, "another CA"),
        ("localhost", None, False, "the system's CAs"),
    ]
    for host, ca, good, what in cases:
        extra = {"tls": True}
        if ca:
            extra["ca_file"] = ca
        cfg = config("tls", port, "monitor", "monitor-pw", mqtt=dict(extra, host=host))
        p = run(CS, "--config", cfg, "--state-dir", state, "--now", STEPS[0], "mqtt")
        errs = [l for l in p.stderr.splitlines() if l.startswith("error")]
        if good:
            check("tls: %s with %s connects and publishes" % (host, what),
                  p.returncode == 0 and "retained messages acknowledged" in p.stdout, p.stderr)
        else:
            check("tls: %s with %s is refused with one clear error" % (host, what),
                  p.returncode == 1 and len(errs) == 1 and "certificate verify failed" in errs[0]
                  and "%s:%d" % (host, port) in errs[0], p.stderr)


def main():
    try:
        url = feeds_dir()
        test_replay(url)
        test_daemon(url)
        test_refusals(url)
        test_tls()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for d in brokers:
            run("sh", os.path.join(HERE, "mosquitto.sh"), "stop", d)
        run("sh", os.path.join(HERE, "nginx.sh"), "stop", os.path.join(WORK, "nginx"))
        if not os.environ.get("KEEP"):
            shutil.rmtree(WORK, ignore_errors=True)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed or not results else 0)


main()
