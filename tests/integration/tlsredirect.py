#!/usr/bin/env python3
"""tlsredirect.py: an https and a plain http server on 127.0.0.1 that redirect between each other.

usage: tlsredirect.py CERT KEY HITS

Prints "TLS_PORT PLAIN_PORT" on the first line of stdout and serves until killed; every
request is appended to HITS as "tls PATH" or "plain PATH". Python 3 standard library only.

  both   /ok.rss            a valid feed
  https  /to-http           302 to http://127.0.0.1:PLAIN/ok.rss (a downgrade)
  https  /to-https          302 to https://127.0.0.1:TLS/ok.rss
  https  /to-plain-relay    302 to http://127.0.0.1:PLAIN/relay (a downgrade, then back up)
  plain  /to-https          302 to https://127.0.0.1:TLS/ok.rss (an upgrade)
  plain  /via-https-to-http 302 to https://127.0.0.1:TLS/to-http (up, then down)
  plain  /relay             302 to https://127.0.0.1:TLS/ok.rss
"""
import http.server
import ssl
import sys
import threading

FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Amazon Elastic Compute Cloud (N. Virginia) Service Status</title>
<link>https://status.aws.amazon.com/</link>
<item><title>Service is operating normally: [RESOLVED] Increased API Error Rates</title>
<link>https://status.aws.amazon.com/</link><pubDate>Mon, 17 Aug 2026 10:00:00 PDT</pubDate>
<guid isPermaLink="false">https://status.aws.amazon.com/#ec2-us-east-1_1786986000</guid>
<description>The issue has been resolved and the service is operating normally.</description></item>
</channel></rss>
"""

cert, key, hits = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
ports = {}


def handler(kind):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            with lock, open(hits, "a") as f:
                f.write("%s %s\n" % (kind, self.path))
            tls, plain = ports["tls"], ports["plain"]
            to = {
                ("tls", "/to-http"): "http://127.0.0.1:%d/ok.rss" % plain,
                ("tls", "/to-https"): "https://127.0.0.1:%d/ok.rss" % tls,
                ("tls", "/to-plain-relay"): "http://127.0.0.1:%d/relay" % plain,
                ("plain", "/to-https"): "https://127.0.0.1:%d/ok.rss" % tls,
                ("plain", "/via-https-to-http"): "https://127.0.0.1:%d/to-http" % tls,
                ("plain", "/relay"): "https://127.0.0.1:%d/ok.rss" % tls,
            }.get((kind, self.path))
            if to is not None:
                self.send_response(302)
                self.send_header("Location", to)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path == "/ok.rss":
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(FEED)))
                self.end_headers()
                self.wfile.write(FEED)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
    return H


tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler("tls"))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler("plain"))
ports["tls"], ports["plain"] = tls.server_address[1], plain.server_address[1]
threading.Thread(target=plain.serve_forever, daemon=True).start()
print(ports["tls"], ports["plain"], flush=True)
tls.serve_forever()
