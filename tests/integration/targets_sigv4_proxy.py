"""targets_sigv4_proxy.py: an S3 front for integration.targets that checks what s3rver does not.

s3rver 3.7.1 accepts any AWS Signature V4 ("calculation is unimplemented").
This proxy checks each request the way S3 does, with botocore (AWS's own
signer), before handing it to s3rver: it recomputes the signature from the
headers the request says it signed and the secret the test expects, and
checks the body against x-amz-content-sha256. A mismatch is answered as S3
answers it (403 SignatureDoesNotMatch, 400 XAmzContentSHA256Mismatch). It
records every request that reached s3rver, in order: the upload order.
"""
import hashlib
import http.client
import http.server
import threading

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class Proxy:
    def __init__(self, upstream_port, key, secret, region):
        self.upstream_port = upstream_port
        self.key, self.secret, self.region = key, secret, region
        self.log = []            # (method, path, status) forwarded, in arrival order
        self.refused = []        # (method, path, code)
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                why = proxy.check(self.command, self.path, self.headers, body)
                if why is not None:
                    status, code = why
                    with proxy.lock:
                        proxy.refused.append((self.command, self.path, code))
                    doc = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                           "<Message>checked by the test's proxy</Message></Error>" % code).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(doc)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(doc)
                    return
                c = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in ("connection", "expect")}
                c.request(self.command, self.path, body=body or None, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                with proxy.lock:
                    proxy.log.append((self.command, self.path, r.status))
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                         "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                c.close()

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check(self, method, path, headers, body):
        auth = headers.get("Authorization")
        if auth is None:
            return 403, "AccessDenied"
        try:
            algo, rest = auth.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            scope = parts["Credential"].split("/")
            signed = parts["SignedHeaders"].split(";")
        except (ValueError, KeyError):
            return 400, "AuthorizationHeaderMalformed"
        if algo != "AWS4-HMAC-SHA256" or scope[0] != self.key:
            return 403, "InvalidAccessKeyId"
        if scope[2] != self.region or scope[3] != "s3":
            return 400, "AuthorizationHeaderMalformed"
        sha = headers.get("x-amz-content-sha256")
        if sha is None:
            return 400, "InvalidRequest"
        if sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(body).hexdigest():
            return 400, "XAmzContentSHA256Mismatch"
        hdrs = {}
        for h in signed:
            if headers.get(h) is None:
                return 403, "SignatureDoesNotMatch"
            hdrs[h] = headers.get(h)
        req = AWSRequest(method=method, url="http://%s%s" % (headers["Host"], path),
                         headers=hdrs, data=body)
        req.context["timestamp"] = headers["x-amz-date"]
        signer = S3SigV4Auth(Credentials(self.key, self.secret), "s3", self.region)
        canonical = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canonical), req)
        if want != parts["Signature"]:
            return 403, "SignatureDoesNotMatch"
        return None

    def stop(self):
        self.server.shutdown()
