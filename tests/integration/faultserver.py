#!/usr/bin/env python3
"""faultserver.py: an HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose, for the poller's tests.

Binds 127.0.0.1 on an ephemeral port (or --port), prints the port on the
first line of stdout, and serves until killed. Python 3 standard library only.

Paths:
  /ok.rss            a valid feed (ETag "ok-1"; answers 304 to If-None-Match: "ok-1")
  /404, /500         that status
  /hang              accepts, reads the request, never answers
  /trickle           200 announcing 100000 bytes, sends 1 byte per second
  /endless           200 chunked: an RSS start, then 16 KiB chunks of blanks forever
  /gzipbomb          200 Content-Encoding: gzip, ~32 KiB inflating to 32 MiB
  /redirect-file     302 to file:///etc/passwd
  /redirect-external 302 to http://example.com/feed.rss (plain http, not loopback)
  /redirect-loop     302 to itself
  /redirect-ok       302 to /ok.rss
  /redirect-chain/N  N redirects (via /redirect-chain/N-1 ...) ending at /ok.rss
  /retry-after       503 + Retry-After: 120
  /retry-after-date  429 + Retry-After: an HTTP-date 300 s from now
"""
import argparse
import asyncio
import email.utils
import gzip
import sys
import time

OK_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title><![CDATA[Amazon Elastic Compute Cloud (N. Virginia) Service Status]]></title>
    <link>https://status.aws.amazon.com/</link>
    <language>en-us</language>
    <lastBuildDate>Tue, 18 Aug 2026 04:00:00 PDT</lastBuildDate>
    <description><![CDATA[Amazon Elastic Compute Cloud (N. Virginia) Service Status]]></description>
    <item>
      <title><![CDATA[Service is operating normally]]></title>
      <link>https://status.aws.amazon.com/</link>
      <pubDate>Tue, 18 Aug 2026 03:00:00 PDT</pubDate>
      <guid isPermaLink="false">https://status.aws.amazon.com/#ec2-us-east-1_1787047200</guid>
      <description><![CDATA[The issue has been resolved and the service is operating normally.]]></description>
    </item>
  </channel>
</rss>
"""

BOMB = gzip.compress(b"A" * (32 << 20), compresslevel=9)


def head(status, reason, headers=(), length=None, close=True):
    lines = ["HTTP/1.1 %d %s" % (status, reason), "Server: faultserver"]
    lines += ["%s: %s" % h for h in headers]
    if length is not None:
        lines.append("Content-Length: %d" % length)
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def simple(writer, status, reason, body=b"", headers=()):
    writer.write(head(status, reason, headers, len(body)) + body)
    await writer.drain()


async def handle(reader, writer):
    try:
        req = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    lines = req.decode("latin-1").split("\r\n")
    try:
        _method, path, _version = lines[0].split(" ")
    except ValueError:
        writer.close()
        return
    hdrs = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    try:
        if path == "/ok.rss":
            if hdrs.get("if-none-match") == '"ok-1"':
                writer.write(head(304, "Not Modified", [("ETag", '"ok-1"')]))
            else:
                writer.write(head(200, "OK", [("Content-Type", "application/rss+xml"),
                                              ("ETag", '"ok-1"'),
                                              ("Last-Modified", "Tue, 18 Aug 2026 11:00:00 GMT")],
                                  len(OK_FEED)) + OK_FEED)
        elif path == "/404":
            await simple(writer, 404, "Not Found", b"<html>not found</html>")
        elif path == "/500":
            await simple(writer, 500, "Internal Server Error", b"<html>oops</html>")
        elif path == "/hang":
            await asyncio.sleep(3600)
        elif path == "/trickle":
            writer.write(head(200, "OK", [("Content-Type", "application/rss+xml")], 100000))
            await writer.drain()
            for i in range(100000):
                writer.write(OK_FEED[i % len(OK_FEED):i % len(OK_FEED) + 1])
                await writer.drain()
                await asyncio.sleep(1)
        elif path == "/endless":
            writer.write(head(200, "OK", [("Content-Type", "application/rss+xml"),
                                          ("Transfer-Encoding", "chunked")]))
            # A feed that never ends: only the size cap or the timeout stops it.
            start = b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            writer.write(b"%x\r\n%s\r\n" % (len(start), start))
            chunk = b"%x\r\n%s\r\n" % (16384, b" " * 16384)
            while True:
                writer.write(chunk)
                await writer.drain()
        elif path == "/gzipbomb":
            writer.write(head(200, "OK", [("Content-Type", "application/rss+xml"),
                                          ("Content-Encoding", "gzip")], len(BOMB)) + BOMB)
        elif path == "/redirect-file":
            await simple(writer, 302, "Found", headers=[("Location", "file:///etc/passwd")])
        elif path == "/redirect-external":
            await simple(writer, 302, "Found",
                         headers=[("Location", "http://example.com/feed.rss")])
        elif path == "/redirect-loop":
            await simple(writer, 302, "Found", headers=[("Location", "/redirect-loop")])
        elif path == "/redirect-ok":
            await simple(writer, 302, "Found", headers=[("Location", "/ok.rss")])
        elif path.startswith("/redirect-chain/"):
            n = int(path.rsplit("/", 1)[1])
            loc = "/ok.rss" if n <= 1 else "/redirect-chain/%d" % (n - 1)
            await simple(writer, 302, "Found", headers=[("Location", loc)])
        elif path == "/retry-after":
            await simple(writer, 503, "Service Unavailable", b"busy",
                         headers=[("Retry-After", "120")])
        elif path == "/retry-after-date":
            when = email.utils.formatdate(time.time() + 300, usegmt=True)
            await simple(writer, 429, "Too Many Requests", b"slow down",
                         headers=[("Retry-After", when)])
        else:
            await simple(writer, 404, "Not Found", b"no such fault")
        await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
