#!/usr/bin/env python3
"""mqtt_asyncapi_check.py: the MQTT messages captured from a real clickstatus run, against docs/asyncapi.yaml.

usage: mqtt_asyncapi_check.py DOC CAPTURE SNAPSHOT PASSES [--not-produced ID,...]
                              [--monitor-sequence ID,...]

CAPTURE and SNAPSHOT are mosquitto_sub -V mqttv5 -F '%t\\t%r\\t%q\\t%C\\t%E\\t%F\\t%x'
output: CAPTURE from a subscriber (QoS 1, retain-as-published) that saw the whole run,
SNAPSHOT from one that subscribed at the end and got what the broker retains. PASSES
has one line per publishing pass: "label<TAB>first line<TAB>last line<TAB>site
summary.json or -" (lines of CAPTURE, 1-based, inclusive).

What is checked (each says "ok" or the run fails, listing what went wrong):
  the document: AsyncAPI 2.6.0, every channel with an mqtt binding of QoS 1 and a
    retain flag, every payload a valid JSON Schema, every example valid;
  every captured topic is a channel of the document (parameters valid);
  every message has the channel's retain flag and QoS 1, and its payload (JSON, or
    empty) validates against exactly one of the channel's messages, with no field the
    document does not describe;
  MQTT 5 properties: content type application/json on every non-empty message, none
    on an empty one; the payload format indicator where the document says so; a
    message expiry (at most the documented one) on events, none on retained topics;
  every channel and every message of the document was seen (but --not-produced);
  an incident topic seen ends with its empty retained message, and the broker holds
    nothing for it; the broker holds, for every other retained topic, the last
    message published;
  the same event_id always carries the same event;
  the summary of each pass is the site's api/v2/summary.json of that time (render_id
    aside) plus "schema";
  removing any required field from a real payload of each message makes it invalid
    (the schemas are not vacuous).
"""
import argparse
import copy
import json
import re
import sys

import jsonschema
import yaml

failures = []


def fail(msg):
    failures.append(msg)


def ok(msg):
    print("ok " + msg)


def resolve(doc, node, depth=0):
    """node with every local $ref ("#/a/b") replaced by its target (siblings of a $ref,
    descriptions here, are kept); the document has no recursive schema."""
    if depth > 60:
        raise ValueError("$ref nesting too deep (a cycle?)")
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("non-local $ref " + ref)
            target = doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            out = resolve(doc, target, depth + 1)
            if isinstance(out, dict):
                out = dict(out)
                for k, v in node.items():
                    if k != "$ref":
                        out[k] = resolve(doc, v, depth + 1)
            return out
        return {k: resolve(doc, v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(doc, v, depth + 1) for v in node]
    return node


def strict(schema):
    """The schema with additionalProperties false wherever it lists properties and says
    nothing about others: a payload field the document does not describe is an error."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def parse_lines(path):
    """The messages of a mosquitto_sub -F capture, in order."""
    msgs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            parts = line.split("\t")
            if len(parts) != 7:
                fail("%s:%d: not a captured message: %r" % (path, n, line[:200]))
                continue
            topic, retain, qos, ctype, expiry, pfi, hexpayload = parts
            try:
                payload = bytes.fromhex(hexpayload)
            except ValueError:
                fail("%s:%d: payload is not hex" % (path, n))
                continue
            msgs.append({"line": n, "topic": topic, "retain": retain == "1", "qos": qos,
                         "ctype": ctype, "expiry": expiry, "pfi": pfi, "raw": payload})
    return msgs


class Doc:
    """The channels of the document, each with its topic pattern, binding and messages."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.raw = yaml.safe_load(f)
        d = self.raw
        self.default_ctype = d.get("defaultContentType")
        self.channels = []
        params = {}
        for name, ch in d["channels"].items():
            ch = resolve(d, ch)
            op = ch.get("subscribe")
            pschemas = {k: v.get("schema", {}) for k, v in ch.get("parameters", {}).items()}
            # {prefix} is the configured prefix (the parameter's default: this run uses it);
            # every other parameter is one topic level.
            regex = ""
            for piece in re.split(r"(\{[^}]+\})", name):
                if piece.startswith("{"):
                    pname = piece[1:-1]
                    if pname == "prefix":
                        regex += re.escape(pschemas["prefix"]["default"])
                    else:
                        regex += "(?P<%s>[^/]+)" % pname
                else:
                    regex += re.escape(piece)
            msgs = []
            if op is not None:
                m = op.get("message", {})
                for one in m.get("oneOf", [m]):
                    msgs.append(one)
            self.channels.append({"name": name, "re": re.compile("^" + regex + "$"), "op": op,
                                  "params": pschemas, "messages": msgs})
            params.update(pschemas)

    def channel_of(self, topic):
        found = [(c, c["re"].match(topic)) for c in self.channels]
        found = [(c, m) for c, m in found if m]
        return found


def check_document(doc):
    d = doc.raw
    n0 = len(failures)
    if d.get("asyncapi") != "2.6.0":
        fail("document: asyncapi is %r, not 2.6.0" % d.get("asyncapi"))
    if doc.default_ctype != "application/json":
        fail("document: defaultContentType is %r" % doc.default_ctype)
    nexamples = 0
    ids = set()
    for c in doc.channels:
        op = c["op"]
        if op is None:
            fail("channel %s: no subscribe operation (what clickstatus publishes)" % c["name"])
            continue
        b = op.get("bindings", {}).get("mqtt")
        if b is None or b.get("qos") != 1 or not isinstance(b.get("retain"), bool):
            fail("channel %s: the mqtt binding wants qos 1 and a retain flag: %r" % (c["name"], b))
        if not c["messages"]:
            fail("channel %s: no message" % c["name"])
        for m in c["messages"]:
            mid = m.get("messageId")
            if mid is None or mid in ids:
                fail("channel %s: a message without a unique messageId (%r)" % (c["name"], mid))
            ids.add(mid)
            try:
                jsonschema.Draft7Validator.check_schema(m["payload"])
            except (KeyError, jsonschema.SchemaError) as e:
                fail("message %s: its payload is not a JSON Schema: %s" % (mid, e))
                continue
            v = jsonschema.Draft7Validator(strict(m["payload"]))
            for ex in m.get("examples", []):
                nexamples += 1
                for e in v.iter_errors(ex["payload"]):
                    fail("message %s: example %r: %s at %s" % (mid, ex.get("name"), e.message,
                                                               list(e.absolute_path)))
    if len(failures) == n0:
        ok("document: AsyncAPI 2.6.0, %d channels, %d messages, every payload schema valid, "
           "%d examples valid" % (len(doc.channels), len(ids), nexamples))
    return ids


def decode(m):
    if len(m["raw"]) == 0:
        return ""
    return json.loads(m["raw"].decode("utf-8"))


def matches(m, value, strictly):
    schema = strict(m["payload"]) if strictly else m["payload"]
    return not any(True for _ in jsonschema.Draft7Validator(schema).iter_errors(value))


def best_errors(channel, value):
    out = []
    for m in channel["messages"]:
        errs = sorted(jsonschema.Draft7Validator(strict(m["payload"])).iter_errors(value),
                      key=lambda e: len(list(e.absolute_path)))
        out.append("%s: %s" % (m["messageId"], "; ".join(
            "%s at %s" % (e.message[:160], "/".join(str(p) for p in e.absolute_path))
            for e in errs[:3])))
    return " | ".join(out)


def classify(doc, msgs, where):
    """Maps each message to its channel and message; checks flags, properties and payload."""
    n0 = len(failures)
    for m in msgs:
        found = doc.channel_of(m["topic"])
        if len(found) != 1:
            fail("%s line %d: topic %s is %s" % (where, m["line"], m["topic"],
                 "no channel of the document" if not found else
                 "several channels: " + ", ".join(c["name"] for c, _ in found)))
            m["channel"] = None
            continue
        c, mt = found[0]
        m["channel"] = c
        for pname, pval in mt.groupdict().items():
            for e in jsonschema.Draft7Validator(c["params"][pname]).iter_errors(pval):
                fail("%s line %d: %s: parameter %s=%r: %s" % (where, m["line"], m["topic"], pname,
                                                               pval, e.message))
        m["params"] = mt.groupdict()
        b = c["op"]["bindings"]["mqtt"]
        if m["retain"] != b["retain"]:
            fail("%s line %d: %s: retain %s, the document says %s" % (where, m["line"], m["topic"],
                 m["retain"], b["retain"]))
        if m["qos"] != "1":
            fail("%s line %d: %s: QoS %s (subscribed at 1: published at %s)" % (
                where, m["line"], m["topic"], m["qos"], m["qos"]))
        try:
            value = decode(m)
        except (UnicodeDecodeError, ValueError) as e:
            fail("%s line %d: %s: payload is not UTF-8 JSON: %s" % (where, m["line"], m["topic"], e))
            m["message"] = None
            continue
        m["value"] = value
        loose = [x for x in c["messages"] if matches(x, value, False)]
        tight = [x for x in loose if matches(x, value, True)]
        if len(loose) != 1:
            fail("%s line %d: %s: the payload matches %s of the channel's messages: %s\n    %s" % (
                where, m["line"], m["topic"], len(loose) or "none",
                best_errors(c, value), m["raw"][:300]))
            m["message"] = None
            continue
        if len(tight) != 1:
            fail("%s line %d: %s: fields the document does not describe: %s" % (
                where, m["line"], m["topic"], best_errors(c, value)))
        msg = loose[0]
        m["message"] = msg
        # MQTT 5 properties.
        if len(m["raw"]) > 0:
            want = msg.get("contentType", doc.default_ctype)
            if m["ctype"] != want:
                fail("%s line %d: %s: content type %r, want %r" % (where, m["line"], m["topic"],
                                                                  m["ctype"], want))
        elif m["ctype"] != "":
            fail("%s line %d: %s: an empty message with content type %r" % (
                where, m["line"], m["topic"], m["ctype"]))
        pfi = msg.get("bindings", {}).get("mqtt", {}).get("payloadFormatIndicator")
        if (str(pfi) if pfi is not None else "") != m["pfi"]:
            fail("%s line %d: %s (%s): payload format indicator %r, the document says %r" % (
                where, m["line"], m["topic"], msg["messageId"], m["pfi"], pfi))
        expiry = b.get("messageExpiryInterval")
        if expiry is None and m["expiry"] != "":
            fail("%s line %d: %s: message expiry %s on a topic without one" % (
                where, m["line"], m["topic"], m["expiry"]))
        if expiry is not None and not (m["expiry"].isdigit() and 0 < int(m["expiry"]) <= expiry):
            fail("%s line %d: %s: message expiry %r, want 1..%d" % (where, m["line"], m["topic"],
                                                                   m["expiry"], expiry))
    return len(failures) == n0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doc")
    ap.add_argument("capture")
    ap.add_argument("snapshot")
    ap.add_argument("passes")
    ap.add_argument("--not-produced", default="")
    ap.add_argument("--monitor-sequence", default="")
    a = ap.parse_args()

    doc = Doc(a.doc)
    ids = check_document(doc)
    msgs = parse_lines(a.capture)
    snap = parse_lines(a.snapshot)
    if not msgs:
        fail("nothing captured")

    if classify(doc, msgs, "capture"):
        nev = sum(1 for m in msgs if not m["retain"])
        ok("%d messages captured (%d events, %d retained, %d of them empty): every topic a "
           "channel, every payload valid against exactly one of its messages with no field "
           "undocumented, retain flags and QoS 1 as documented" % (
               len(msgs), nev, len(msgs) - nev, sum(1 for m in msgs if not m["raw"])))
        ok("MQTT 5: content type application/json on the %d non-empty messages, none on the "
           "empty; payload format indicator as documented; expiry on the %d events, none on "
           "retained topics" % (sum(1 for m in msgs if m["raw"]), nev))

    # Coverage: every channel, every message (but those this run cannot produce).
    seen_channels = {m["channel"]["name"] for m in msgs if m.get("channel")}
    seen_msgs = {}
    for m in msgs:
        if m.get("message"):
            seen_msgs.setdefault(m["message"]["messageId"], m)
    missing_ch = [c["name"] for c in doc.channels if c["name"] not in seen_channels]
    not_produced = {x for x in a.not_produced.split(",") if x}
    missing_msg = sorted(ids - set(seen_msgs) - not_produced)
    if missing_ch:
        fail("channels never seen: %s" % ", ".join(missing_ch))
    if missing_msg:
        fail("messages never seen: %s" % ", ".join(missing_msg))
    unknown = not_produced - ids
    if unknown:
        fail("--not-produced names no message of the document: %s" % ", ".join(sorted(unknown)))
    types = sorted({m["value"]["type"] for m in msgs if m.get("channel") and
                    m["channel"]["name"].endswith("/events") and isinstance(m.get("value"), dict)})
    if not missing_ch and not missing_msg:
        ok("every channel (%d) and message (%d of %d; not produced by this run: %s) seen; "
           "event types %s" % (len(doc.channels), len(seen_msgs), len(ids),
                               ", ".join(sorted(not_produced)) or "none", ", ".join(types)))

    # The monitor's story, in order.
    if a.monitor_sequence:
        got = [m["message"]["messageId"] for m in msgs if m.get("message") and
               m["channel"]["name"].endswith("/monitor")]
        want = a.monitor_sequence.split(",")
        if got != want:
            fail("monitor messages %s, want %s" % (got, want))
        else:
            ok("monitor: %s" % " -> ".join(got))

    # Retained state: the incidents end cleared; the broker holds the last of each topic.
    n0 = len(failures)
    last = {}
    for m in msgs:
        if m["retain"]:
            last[m["topic"]] = m
    incidents = sorted({m["topic"] for m in msgs if m.get("channel") and
                        "/incidents/" in m["channel"]["name"]})
    if not incidents:
        fail("no incident topic was published")
    for t in incidents:
        if not any(m["raw"] for m in msgs if m["topic"] == t):
            fail("%s: never had an incident" % t)
        if last[t]["raw"]:
            fail("%s: not cleared at the end (its last message is not empty)" % t)
    classify(doc, snap, "snapshot")
    held = {m["topic"]: m for m in snap}
    for m in snap:
        if not m["retain"]:
            fail("snapshot line %d: %s: a new subscriber got a message not retained" % (
                m["line"], m["topic"]))
    for t, m in last.items():
        if not m["raw"]:
            if t in held:
                fail("%s: cleared, but the broker still holds %r" % (t, held[t]["raw"][:100]))
        elif t not in held:
            fail("%s: the broker holds nothing, last published %r" % (t, m["raw"][:100]))
        elif held[t]["raw"] != m["raw"]:
            fail("%s: the broker holds another payload than the last published" % t)
    for t in held:
        if t not in last:
            fail("%s: the broker holds a topic never published in the run" % t)
    if len(failures) == n0:
        ok("incident topics %s end with their empty retained message and the broker holds "
           "nothing for them; a new subscriber gets the last payload of each of the %d other "
           "retained topics" % (", ".join(incidents), len(held)))

    # Duplicates are safe to drop: one event_id, one event.
    n0 = len(failures)
    by_id = {}
    nev = 0
    for m in msgs:
        v = m.get("value")
        if m.get("channel") and m["channel"]["name"].endswith("/events") and isinstance(v, dict):
            nev += 1
            prev = by_id.setdefault(v["event_id"], v)
            if prev != v:
                fail("event_id %s carries two different events: %r / %r" % (v["event_id"], prev, v))
    if len(failures) == n0:
        ok("%d events, %d distinct event_ids, each id always the same event" % (nev, len(by_id)))

    # The summary topic is the site's summary.json.
    n0 = len(failures)
    ncompared = 0
    with open(a.passes, encoding="utf-8") as f:
        for line in f:
            label, first, lastline, site = line.rstrip("\n").split("\t")
            if site == "-":
                continue
            sums = [m for m in msgs if int(first) <= m["line"] <= int(lastline) and
                    m["topic"].endswith("/summary") and isinstance(m.get("value"), dict)]
            if not sums:
                fail("pass %s: no summary published" % label)
                continue
            mq = copy.deepcopy(sums[-1]["value"])
            with open(site, encoding="utf-8") as sf:
                page = json.load(sf)
            mq.pop("schema", None)
            mq["page"].pop("render_id", None)
            page["page"].pop("render_id", None)
            if mq != page:
                fail("pass %s: the summary topic differs from %s" % (label, site))
            ncompared += 1
    if len(failures) == n0:
        ok("the summary of %d passes is the site's api/v2/summary.json of that time plus "
           "\"schema\"" % ncompared)

    # The schemas are not vacuous: a real payload without any one required field fails.
    n0 = len(failures)
    nmut = 0
    for mid, m in sorted(seen_msgs.items()):
        v = m["value"]
        if not isinstance(v, dict):
            continue
        for field in m["message"]["payload"].get("required", []):
            broken = {k: x for k, x in v.items() if k != field}
            nmut += 1
            if any(matches(x, broken, False) for x in m["channel"]["messages"]):
                fail("%s without %r still validates against channel %s" % (
                    mid, field, m["channel"]["name"]))
    if len(failures) == n0:
        ok("%d payloads made by removing one required field from a real payload: every one "
           "rejected" % nmut)

    if failures:
        for x in failures[:40]:
            print("FAIL: " + x, file=sys.stderr)
        if len(failures) > 40:
            print("FAIL: ... and %d more" % (len(failures) - 40), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
