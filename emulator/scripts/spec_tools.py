"""Shared helpers: load OpenAI's Assistants v2 OpenAPI spec and normalise its schemas to plain
JSON Schema (2020-12) so that both the emulator's C++ validator and Python's jsonschema read them.

The spec mixes OpenAPI 3.0 `nullable: true` into a 3.1 document; `nullable` becomes a `null`
alternative, `allOf: [X, {nullable: true}]` becomes `anyOf: [X, null]`, and `$recursiveRef`
becomes a plain `$ref` to the enclosing schema."""
import json

DROP_KEYS = {"description", "example", "title", "x-oaiMeta", "x-oaiTypeLabel", "x-stainless-const",
             "dataDescription", "beta", "deprecated", "default", "discriminator", "$recursiveAnchor"}


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def normalise(node, current_name=None, compact=True):
    if isinstance(node, list):
        return [normalise(x, current_name, compact) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if compact and (k in DROP_KEYS or k.startswith("x-")):
            continue
        if k in ("properties", "$defs"):
            out[k] = {pk: normalise(pv, current_name, compact) for pk, pv in v.items()}
        elif k == "$recursiveRef":
            out["$ref"] = "#/components/schemas/" + current_name
        elif k in ("example", "examples", "x-oaiMeta", "description", "title"):
            out[k] = v
        else:
            out[k] = normalise(v, current_name, compact)
    nullable = out.pop("nullable", False)
    if "allOf" in out:
        parts = [p for p in out["allOf"] if p != {} and set(p.keys()) - DROP_KEYS - {"nullable"}]
        if any(isinstance(p, dict) and p.get("nullable") for p in node["allOf"]):
            nullable = True
        if len(parts) == 1 and len(out) == 1:
            out = dict(parts[0])
        else:
            out["allOf"] = parts
    if nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def normalised_schemas(spec, compact=True):
    return {name: normalise(s, name, compact) for name, s in spec["components"]["schemas"].items()}


def refs_in(node, acc):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                acc.add(v.rsplit("/", 1)[-1])
            else:
                refs_in(v, acc)
    elif isinstance(node, list):
        for x in node:
            refs_in(x, acc)


def closure(schemas, roots):
    seen, todo = set(), list(roots)
    while todo:
        n = todo.pop()
        if n in seen or n not in schemas:
            continue
        seen.add(n)
        acc = set()
        refs_in(schemas[n], acc)
        todo.extend(acc - seen)
    return seen


def operations(spec):
    """(method, path, operationId, request schema name or None, response schema name or None).
    An inline request body schema is named OPERATIONID + "Request" and returned under
    "request_schema" (normalised)."""
    ops = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "delete"):
                continue
            req = None
            rb = op.get("requestBody", {}).get("content", {})
            inline = None
            for ct in ("application/json", "multipart/form-data"):
                schema = rb.get(ct, {}).get("schema", {})
                ref = schema.get("$ref")
                if ref:
                    req = ref.rsplit("/", 1)[-1]
                elif schema:
                    req = op["operationId"] + "Request"
                    inline = normalise(schema, req)
            resp = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
            entry = {"method": method.upper(), "path": path, "operationId": op["operationId"],
                     "request": req, "response": resp.get("$ref", "").rsplit("/", 1)[-1] or None}
            if inline is not None:
                entry["request_schema"] = inline
            ops.append(entry)
    return ops
