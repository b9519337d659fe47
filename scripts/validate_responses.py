#!/usr/bin/env python3
"""Validate every response body in coassist-emulator request logs (written with
`--log-requests FILE --log-bodies`) against the response schemas of OpenAI's OpenAPI spec: the
Assistants v2 subset (assistants-v2.json) and the Responses + Conversations subset
(responses-v1.json).

- 2xx JSON bodies: the operation's 200 response schema (operationId from the log line).
- Error bodies: ErrorResponse.
- Assistants streams: every event's data against the schema stream_events.txt names for it.
- Responses streams (createResponse, getResponse?stream=true): every event's data against the
  schema response_stream_events.txt names for its `type`; the `event:` name equals `type`;
  `sequence_number` goes up by one (from 0 on a new stream); no `[DONE]`; the last event is
  response.completed/.incomplete/.failed or error (unless the stream was resumed mid-way and cut).

Known deviation, accepted on purpose: list pages with no items carry `first_id`/`last_id` null
(the real service does this; the spec types them as plain strings).

usage: validate_responses.py [--spec DIR] LOG...   exit status 1 when anything fails"""
import argparse
import json
import os
import sys

import jsonschema

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "emulator", "scripts"))
import spec_tools  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default=os.path.join(here, "..", "reference", "openai-spec"))
    ap.add_argument("logs", nargs="+")
    args = ap.parse_args()
    schemas, ops = {}, {}
    for spec_file in ("assistants-v2.json", "responses-v1.json"):
        spec = spec_tools.load_spec(os.path.join(args.spec, spec_file))
        schemas.update(spec_tools.normalised_schemas(spec, compact=False))
        ops.update({op["operationId"]: op for op in spec_tools.operations(spec)})
    for name, s in schemas.items():
        if (name.startswith("List") and name.endswith("Response")) or name in (
                "ConversationItemList", "ResponseItemList"):
            for k in ("first_id", "last_id"):
                if k in s.get("properties", {}):
                    s["properties"][k] = {"anyOf": [s["properties"][k], {"type": "null"}]}
    root = {"components": {"schemas": schemas}}
    def event_table(name):
        table = {}
        with open(os.path.join(args.spec, name), encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                table[cols[0]] = cols[1]
        return table

    events = event_table("stream_events.txt")
    response_events = event_table("response_stream_events.txt")
    response_ops = {"createResponse", "getResponse"}
    terminal = {"response.completed", "response.incomplete", "response.failed", "error"}
    cls = jsonschema.validators.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
    validators = {}

    def validator(name):
        if name not in validators:
            schema = {"$ref": "#/components/schemas/" + name, "components": root["components"]}
            validators[name] = cls(schema)
        return validators[name]

    checked, failures = 0, []

    def check(name, body, where):
        nonlocal checked
        checked += 1
        errs = sorted(validator(name).iter_errors(body), key=lambda e: len(list(e.path)))
        if errs:
            e = errs[0]
            failures.append(f"{where}: {name} at /{'/'.join(map(str, e.path))}: {e.message[:300]}")

    for log in args.logs:
        with open(log, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                rec = json.loads(line)
                where = f"{os.path.basename(log)}:{n} {rec['method']} {rec['path']} -> {rec['status']}"
                if rec.get("fault"):
                    continue  # injected faults are deliberately not the service's shapes
                if "events" in rec and rec.get("operationId") in response_ops:
                    evs = rec["events"]
                    expected = None
                    for ev in evs:
                        if ev["data"].startswith("[DONE]"):
                            failures.append(f"{where}: a Responses stream carries [DONE]")
                            continue
                        data = json.loads(ev["data"])
                        schema = response_events.get(data.get("type"))
                        if schema is None:
                            failures.append(f"{where}: unknown event type {data.get('type')}")
                            continue
                        if ev["event"] != data["type"]:
                            failures.append(f"{where}: event {ev['event']} carries type {data['type']}")
                        seq = data.get("sequence_number")
                        if expected is None:
                            expected = 0 if rec["operationId"] == "createResponse" else seq
                        if seq != expected:
                            failures.append(f"{where}: sequence_number {seq}, expected {expected}")
                        expected = (seq if isinstance(seq, int) else 0) + 1
                        check(schema, data, where + " " + data["type"])
                    last = json.loads(evs[-1]["data"])["type"] if evs else None
                    if evs and last not in terminal and rec["operationId"] == "createResponse":
                        failures.append(f"{where}: the stream ends with {last}")
                    continue
                if "events" in rec:
                    for ev in rec["events"]:
                        schema = events.get(ev["event"])
                        if schema is None:
                            failures.append(f"{where}: unknown event {ev['event']}")
                        elif ev["event"] == "done":
                            if ev["data"] != "[DONE]":
                                failures.append(f"{where}: done event carries {ev['data']!r}")
                        else:
                            check(schema, json.loads(ev["data"]), where + " " + ev["event"])
                    continue
                if "response" not in rec:
                    continue
                body = rec["response"]
                if rec["status"] >= 400:
                    check("ErrorResponse", body, where)
                elif rec.get("operationId") in ops and ops[rec["operationId"]]["response"]:
                    check(ops[rec["operationId"]]["response"], body, where)
    for fl in failures:
        print("INVALID", fl)
    print(f"validated {checked} response bodies, {len(failures)} invalid")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
