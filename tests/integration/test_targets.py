#!/usr/bin/env python3
"""test_targets.py: the site copied to S3 and SFTP targets, against real servers on loopback.

usage: test_targets.py PATH/TO/clickstatus PATH/TO/targets_daemon_tool SOURCE_DIR

Servers, started and stopped here: s3rver (npm, pinned, installed by
scripts/install-deps --test) behind targets_sigv4_proxy.py (botocore checks
each Signature V4 and body hash, which s3rver does not), OpenSSH's sshd with
its own config, host key, client key and known_hosts; a port that accepts
and never answers; a closed port. Expectations are written here from what a
reader of the copy sees (bytes, Content-Type, Cache-Control, what is there
and what is gone, the order of arrival), never read back from the code.
Wall time about 35 s.
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

CS, TOOL, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
WORK = tempfile.mkdtemp(prefix="cs-targets-")
STATE = os.path.join(WORK, "state")
SITE = os.path.join(STATE, "site")
S3RVER = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                      "clickstatus", "npm", "node_modules", ".bin", "s3rver")
SSHD = "/usr/sbin/sshd"
results = []
procs = []

# What readers must be told, by file type (the list).
TYPES = {"html": "text/html; charset=utf-8", "json": "application/json",
         "atom": "application/atom+xml", "rss": "application/rss+xml",
         "css": "text/css; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
         "js": "text/javascript; charset=utf-8", "txt": "text/plain; charset=utf-8"}
SHORT, LONG = "public, max-age=60", "public, max-age=86400"


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond or not detail else ": " + str(detail)),
          flush=True)
    return cond


def need(path, what):
    if not os.access(path, os.X_OK):
        print("FAIL %s missing (%s): run scripts/install-deps --test" % (what, path), flush=True)
        sys.exit(1)


def run(*args, **kw):
    return subprocess.run([CS, "--state-dir", STATE] + list(args), capture_output=True, text=True,
                          **kw)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cls(path):
    """The order a reader needs: assets, incidents and history, index.html, api/."""
    if path.startswith("api/"):
        return 3
    if path == "index.html":
        return 2
    if path.startswith("incidents/") or path.startswith("history"):
        return 1
    return 0


def release_files(rel=None):
    root = os.path.realpath(os.path.join(SITE, "current")) if rel is None else rel
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            if n.startswith("."):
                continue
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


# --- servers ---------------------------------------------------------------

def start_s3():
    need(S3RVER, "s3rver")
    d = os.path.join(WORK, "s3rver")
    os.makedirs(d)
    log = open(os.path.join(WORK, "s3rver.log"), "w")
    p = subprocess.Popen([S3RVER, "-d", d, "-a", "127.0.0.1", "-p", "0", "--configure-bucket",
                          "site"], stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    deadline = time.time() + 15
    while time.time() < deadline:
        with open(log.name) as f:
            for line in f:
                if "listening on" in line:
                    return int(line.rsplit(":", 1)[1])
        time.sleep(0.1)
    sys.exit("s3rver did not start: " + open(log.name).read())


def start_sshd():
    need(SSHD, "sshd (openssh-server)")
    d = os.path.join(WORK, "ssh")
    os.makedirs(d)
    for k in ("host_key", "client_key", "other_host_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(d, k)],
                       check=True)
    shutil.copy(os.path.join(d, "client_key.pub"), os.path.join(d, "authorized_keys"))
    os.chmod(os.path.join(d, "authorized_keys"), 0o600)
    port = free_port()
    cfg = os.path.join(d, "sshd_config")
    with open(cfg, "w") as f:
        f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s/host_key\n"
                "AuthorizedKeysFile %s/authorized_keys\nPidFile %s/sshd.pid\nStrictModes no\n"
                "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                "PermitRootLogin prohibit-password\nLogLevel VERBOSE\n"
                "Subsystem sftp internal-sftp\n" % (port, d, d, d))
    if os.getuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)   # sshd's privilege separation dir
    log = open(os.path.join(d, "sshd.log"), "w")
    p = subprocess.Popen([SSHD, "-D", "-e", "-f", cfg], stderr=log)
    procs.append(p)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    def known(name, key):
        with open(os.path.join(d, key + ".pub")) as f:
            typ, b64 = f.read().split()[:2]
        with open(os.path.join(d, name), "w") as f:
            f.write("[127.0.0.1]:%d %s %s\n" % (port, typ, b64))
    known("known_hosts", "host_key")
    known("changed_known_hosts", "other_host_key")
    with open(os.path.join(d, "empty_known_hosts"), "w") as f:
        f.write("[127.0.0.1]:1 ssh-ed25519 %s\n" % open(os.path.join(d, "host_key.pub")).read().split()[1])
    return d, port


class Staller:
    """Accepts connections and never says a word."""
    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(16)
        self.port = self.s.getsockname()[1]
        self.held = []
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            self.held.append(c)


def s3_get(port, key):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/site/%s" % (port, key), timeout=10) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, b"", e.headers


def write_config(name, targets):
    with open(os.path.join(SRC, "feeds", "click.json")) as f:
        c = json.load(f)
    c["publish"] = targets
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(c, f, indent=1)
    return path


def target_rows():
    db = sqlite3.connect(os.path.join(STATE, "clickstatus.db"))
    db.row_factory = sqlite3.Row
    rows = {r["name"]: dict(r) for r in db.execute("SELECT * FROM publish_targets")}
    db.close()
    return rows


def publish_out(out, name):
    for line in out.splitlines():
        if line.startswith(name + ": "):
            return line
    return ""


def counts(line):
    """(uploaded, deleted, unchanged, ms) from "NAME: holds R: 3 uploaded, 1 deleted, ..."."""
    w = line.replace(",", "").split()
    try:
        return (int(w[w.index("uploaded") - 1]), int(w[w.index("deleted") - 1]),
                int(w[w.index("unchanged") - 1]), int(w[w.index("ms") - 1]))
    except ValueError:
        return None


def make_release(changes, removes):
    """A new release as publish.c makes one: a copy of current, changed, swapped in atomically."""
    cur = os.path.realpath(os.path.join(SITE, "current"))
    name = os.path.basename(cur)
    seq = int(name.rsplit("-", 1)[1]) + 1
    new = os.path.join(SITE, "releases", "%s-%06d" % (name.rsplit("-", 1)[0], seq))
    shutil.copytree(cur, new)
    for p, data in changes.items():
        os.makedirs(os.path.dirname(os.path.join(new, p)), exist_ok=True)
        with open(os.path.join(new, p), "wb") as f:
            f.write(data)
    for p in removes:
        os.unlink(os.path.join(new, p))
    tmp = os.path.join(SITE, ".current-test")
    os.symlink("releases/" + os.path.basename(new), tmp)
    os.rename(tmp, os.path.join(SITE, "current"))
    return new


def main():
    t_start = time.time()
    s3port = start_s3()
    from targets_sigv4_proxy import Proxy
    proxy = Proxy(s3port, "S3RVER", "s3-secret-of-the-test", "eu-west-1")
    sshdir, sshport = start_sshd()
    www = os.path.join(WORK, "www")       # the SFTP host's document root (not made: created)
    secret = os.path.join(WORK, "s3-secret")
    with open(secret, "w") as f:
        f.write("s3-secret-of-the-test\n")
    bad_secret = os.path.join(WORK, "s3-bad-secret")
    with open(bad_secret, "w") as f:
        f.write("not-the-secret\n")
    user = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name

    def s3(name, port, sec=secret, **kw):
        t = {"name": name, "type": "s3", "endpoint": "http://127.0.0.1:%d" % port,
             "bucket": "site", "region": "eu-west-1", "access_key_id": "S3RVER",
             "secret_access_key_file": sec}
        t.update(kw)
        return t

    def sftp(name, port, known="known_hosts", **kw):
        t = {"name": name, "type": "sftp", "url": "sftp://127.0.0.1:%d%s" % (port, www),
             "username": user, "private_key_file": os.path.join(sshdir, "client_key"),
             "known_hosts_file": os.path.join(sshdir, known)}
        t.update(kw)
        return t

    good = write_config("good", [s3("s3-eu", proxy.port), sftp("backup", sshport)])

    # configuration errors carry their JSON path
    bad_cfg = write_config("badcfg", [
        {"name": "x", "type": "s3", "endpoint": "ftp://h", "bucket": "b", "region": "r",
         "access_key_id": "k", "secret_access_key_file": "/s", "prefx": ""},
        {"name": "x", "type": "sftp", "url": "http://h/p", "username": "u",
         "private_key_file": "/k"},
        {"name": "y", "type": "webdav"}])
    p = subprocess.run([CS, "--config", bad_cfg, "check-config"], capture_output=True, text=True)
    msgs = p.stdout + p.stderr
    check("check-config: exit 2 for bad publish entries", p.returncode == 2, p.returncode)
    for want in ['publish[0].endpoint: "ftp://h"', 'publish[0].prefx: unknown key (did you mean "prefix"?)',
                 'publish[1].url: "http://h/p"', 'publish[1]: missing required key "known_hosts_file"',
                 'publish[1].name: duplicate name "x"', 'publish[2].type: expected "s3" or "sftp"']:
        check("check-config says " + want, want in msgs, msgs)

    # nothing rendered yet: nothing owed, nothing fails
    p = run("--config", good, "publish")
    check("publish before any render: exit 0, nothing published yet",
          p.returncode == 0 and "nothing published yet" in p.stdout, p.stdout + p.stderr)

    p = run("--config", good, "render", "--now", "2026-08-15T03:00:00Z")
    if not check("render", p.returncode == 0, p.stderr):
        return
    files = release_files()

    # 1. first publish: every file, identical, with the right headers, in reader order
    t0 = time.time()
    p = run("--config", good, "publish")
    wall1 = time.time() - t0
    check("first publish: exit 0", p.returncode == 0, p.stdout + p.stderr)
    l3, ls = publish_out(p.stdout, "s3-eu"), publish_out(p.stdout, "backup")
    check("first publish: s3-eu uploaded every file",
          counts(l3) is not None and counts(l3)[:3] == (len(files), 0, 0), l3)
    check("first publish: backup uploaded every file",
          counts(ls) is not None and counts(ls)[:3] == (len(files), 0, 0), ls)
    normal_ms = max(counts(l3)[3] if counts(l3) else 0, counts(ls)[3] if counts(ls) else 0)
    bad = []
    for path, data in sorted(files.items()):
        st, body, h = s3_get(s3port, path)
        ext = path.rsplit(".", 1)[-1]
        want_cc = LONG if ext in ("css", "svg", "png", "js") else SHORT
        if st != 200 or body != data or h.get("Content-Type") != TYPES.get(ext) or \
                h.get("Cache-Control") != want_cc:
            bad.append((path, st, h.get("Content-Type"), h.get("Cache-Control"), body == data))
    check("S3: every file of current/ fetched back with identical bytes, Content-Type and "
          "Cache-Control (%d files)" % len(files), not bad, bad)
    bad = []
    for path, data in files.items():
        try:
            with open(os.path.join(www, path), "rb") as f:
                if f.read() != data:
                    bad.append(path)
        except OSError as e:
            bad.append("%s: %s" % (path, e))
    check("SFTP: every file of current/ on the host with identical bytes", not bad, bad)
    leftovers = [n for _, _, ns in os.walk(www) for n in ns if n.endswith("clickstatus-tmp")]
    check("SFTP: no temporary file left behind", not leftovers, leftovers)
    puts = [pth.split("/site/", 1)[1] for m, pth, st in proxy.log if m == "PUT"]
    order = [cls(x) for x in puts]
    check("S3: upload order assets < incidents/history < index.html < api/ (%s)" %
          " ".join(puts), order == sorted(order) and len(puts) == len(files) and
          puts.index("index.html") < min(i for i, x in enumerate(puts) if x.startswith("api/")),
          puts)
    # the SFTP host's view: each file's modification time is when its bytes arrived
    mt = sorted(files, key=lambda x: os.stat(os.path.join(www, x)).st_mtime_ns)
    check("SFTP: arrival order assets < incidents/history < index.html < api/ (%s)" % " ".join(mt),
          [cls(x) for x in mt] == sorted(cls(x) for x in mt), mt)
    rows = target_rows()
    check("store: both targets healthy, holding the release",
          all(rows.get(n, {}).get("release") == os.path.basename(os.path.realpath(
              os.path.join(SITE, "current"))) and rows[n]["failures"] == 0 and
              rows[n]["last_error"] is None for n in ("s3-eu", "backup")), rows)

    # 2. unchanged: nothing sent
    n_before = len(proxy.log)
    p = run("--config", good, "publish")
    check("second publish of the same release: nothing uploaded",
          p.returncode == 0 and counts(publish_out(p.stdout, "s3-eu"))[:3] == (0, 0, len(files))
          and counts(publish_out(p.stdout, "backup"))[:3] == (0, 0, len(files)) and
          len(proxy.log) == n_before, p.stdout)

    # 3. a real re-render later: only the files whose bytes changed go
    p = run("--config", good, "render", "--now", "2026-08-15T04:00:00Z")
    new_files = release_files()
    changed = sorted(x for x in new_files if files.get(x) != new_files[x])
    gone = sorted(set(files) - set(new_files))
    n_before = len(proxy.log)
    p = run("--config", good, "publish")
    sent = [pth.split("/site/", 1)[1] for m, pth, st in proxy.log[n_before:] if m == "PUT"]
    check("re-render: S3 got exactly the %d changed files of %d" % (len(changed), len(new_files)),
          sorted(sent) == changed and len(changed) < len(new_files), (sent, changed))
    check("re-render: SFTP uploaded as many", counts(publish_out(p.stdout, "backup")) is not None
          and counts(publish_out(p.stdout, "backup"))[:2] == (len(changed), len(gone)), p.stdout)

    # 4. a release with a changed page, a new incident page and a file gone
    files = release_files()
    make_release({"history.html": files["history.html"] + b"<!-- changed -->\n",
                  "incidents/777.html": b"<!doctype html><title>incident 777</title>\n"},
                 ["api/v2/scheduled-maintenances/upcoming.json"])
    n_before = len(proxy.log)
    p = run("--config", good, "publish")
    steps = [(m, pth.split("/site/", 1)[1]) for m, pth, st in proxy.log[n_before:]]
    check("change: S3 got the two changed/added files, then the deletion, nothing else",
          steps == [("PUT", "history.html"), ("PUT", "incidents/777.html"),
                    ("DELETE", "api/v2/scheduled-maintenances/upcoming.json")], steps)
    check("change: SFTP 2 uploaded, 1 deleted",
          counts(publish_out(p.stdout, "backup")) is not None and
          counts(publish_out(p.stdout, "backup"))[:2] == (2, 1), p.stdout)
    st, body, _ = s3_get(s3port, "incidents/777.html")
    st2, _, _ = s3_get(s3port, "api/v2/scheduled-maintenances/upcoming.json")
    check("change: the new page is readable on S3 and the removed file is gone (404)",
          st == 200 and b"incident 777" in body and st2 == 404, (st, st2))
    check("change: SFTP host has the new page, not the removed file",
          os.path.exists(os.path.join(www, "incidents/777.html")) and
          not os.path.exists(os.path.join(www, "api/v2/scheduled-maintenances/upcoming.json")))

    # 5. one stalled and one closed target beside the working ones
    stall = Staller()
    closed = free_port()
    mixed = write_config("mixed", [s3("s3-eu", proxy.port), sftp("backup", sshport),
                                   s3("stalled", stall.port, timeout_stall=4, timeout_connect=4),
                                   sftp("closed", closed, retry_min=1, retry_max=4)])
    make_release({"index.html": release_files()["index.html"] + b"<!-- 5 -->\n"}, [])
    t0 = time.time()
    p = run("--config", mixed, "publish")
    wall = time.time() - t0
    l3, ls = publish_out(p.stdout, "s3-eu"), publish_out(p.stdout, "backup")
    c3, cs_ = counts(l3), counts(ls)
    check("beside a stalled target: publish exits 1 naming it",
          p.returncode == 1 and "stalled: FAILED" in p.stdout and "closed: FAILED" in p.stdout,
          p.stdout)
    check("beside a stalled target: s3-eu and backup finished in their normal time "
          "(%s ms, %s ms; alone up to %d ms; whole command %.1f s)" %
          (c3 and c3[3], cs_ and cs_[3], normal_ms, wall),
          c3 is not None and cs_ is not None and c3[:2] == (1, 0) and cs_[:2] == (1, 0) and
          max(c3[3], cs_[3]) < max(1000, 3 * normal_ms) and wall >= 3.5, (l3, ls))
    rows = target_rows()
    check("store: the stalled and the closed target are reported failing, the others healthy",
          rows["stalled"]["failures"] == 1 and rows["stalled"]["last_error"] and
          rows["closed"]["failures"] == 1 and "closed" in rows["closed"]["last_error"] and
          rows["s3-eu"]["failures"] == 0 and rows["backup"]["failures"] == 0, rows)
    p = run("publish", "--status")
    check("publish --status: FAILING line for the closed target",
          any(x.startswith("closed FAILING") for x in p.stdout.splitlines()) and
          any(x.startswith("s3-eu ok") for x in p.stdout.splitlines()), p.stdout)
    p = run("--config", mixed, "health", "--max-age", "999999999")
    lines = p.stdout.splitlines()
    check("health: exit 1 with a FAIL line naming the closed target, ok for s3-eu",
          p.returncode == 1 and any(x.startswith("FAIL target closed: failing since") for x in lines)
          and any(x.startswith("ok target s3-eu: holds release") for x in lines), p.stdout)

    # 6. the daemon's threads: a kick returns at once, the closed target backs off
    #    (1, 2, 4 s), the stalled one is aborted when the daemon parks
    make_release({"index.html": release_files()["index.html"] + b"<!-- 6 -->\n"}, [])
    p = subprocess.run([TOOL, mixed, STATE, SITE, "8"], capture_output=True, text=True,
                       timeout=40)
    out = p.stdout
    tail = out.strip().splitlines()[-1] if out.strip() else ""
    kick_us = int(tail.split()[0].split("=")[1]) if tail.startswith("kick_us") else -1
    stop_ms = int(tail.split()[1].split("=")[1]) if tail.startswith("kick_us") else -1
    ok_lines = [x for x in out.splitlines() if " s3-eu: holds " in x or " backup: holds " in x]
    times = [int(x.split()[0]) for x in ok_lines]
    check("daemon: kick returned in %d us; the driver exited 0" % kick_us,
          0 <= kick_us < 5000 and p.returncode == 0, out + p.stderr[-2000:])
    check("daemon: s3-eu and backup caught up within %s ms of the start" % times,
          len(ok_lines) == 2 and max(times) < max(1500, 3 * normal_ms), out)
    fails = [int(x.split()[0]) for x in out.splitlines() if "closed: " in x and "error" in x]
    gaps = [b - a for a, b in zip(fails, fails[1:])]
    check("daemon: the closed target retried with backoff, gaps %s ms (1 s doubling, at most 4 s)"
          % gaps, len(fails) >= 3 and 800 <= gaps[0] <= 1600 and 1800 <= gaps[1] <= 2600, out)
    rows = target_rows()
    check("store: closed target failing since the first failure, %d in a row, next attempt "
          "planned" % rows["closed"]["failures"],
          rows["closed"]["failures"] >= 4 and rows["closed"]["failing_since"] > 0 and
          rows["closed"]["next_attempt"] > rows["closed"]["last_attempt"], rows["closed"])
    check("daemon: parking aborted the stalled transfer within the timeout (%d ms)" % stop_ms,
          0 <= stop_ms < 2500, out)

    # 7. wrong S3 secret: one clear error naming the target, nothing stored
    wrong = write_config("wrong", [s3("s3-wrong", proxy.port, sec=bad_secret, prefix="w/")])
    n_before = len(proxy.log)
    p = run("--config", wrong, "publish")
    errs = [x for x in (p.stdout + p.stderr).splitlines() if "s3-wrong" in x]
    check("wrong secret: exit 1, the error names the target and SignatureDoesNotMatch",
          p.returncode == 1 and any("s3-wrong" in x and "HTTP 403 SignatureDoesNotMatch" in x
                                    for x in errs) and len(proxy.log) == n_before,
          p.stdout + p.stderr)
    check("wrong secret: one failed request, not one per file",
          sum(1 for r in proxy.refused if r[1].startswith("/site/w/")) == 1, proxy.refused)

    # 8. unknown or changed SFTP host key: refused before anything is written
    for case, known, words in (("unknown", "empty_known_hosts", "is not in"),
                               ("changed", "changed_known_hosts", "does NOT match")):
        other = os.path.join(WORK, "www-" + case)
        cfgp = write_config(case, [sftp("sftp-" + case, sshport, known=known,
                                        url="sftp://127.0.0.1:%d%s" % (sshport, other))])
        p = run("--config", cfgp, "publish")
        check("%s host key: exit 1, refused with a clear error" % case,
              p.returncode == 1 and ("sftp-%s: FAILED" % case) in p.stdout and
              ("host key of 127.0.0.1:%d %s" % (sshport, words)) in p.stdout and
              "refused" in p.stdout, p.stdout + p.stderr)
        check("%s host key: nothing written on the host" % case, not os.path.exists(other))

    print("wall time %.1f s (first publish of %d files to both: %.2f s)" %
          (time.time() - t_start, len(files), wall1), flush=True)


try:
    main()
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
    if all(results) and results:
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print("kept " + WORK, flush=True)
print("%d/%d checks passed" % (sum(results), len(results)))
sys.exit(0 if results and all(results) else 1)
