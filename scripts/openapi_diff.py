#!/usr/bin/env python3
"""Compares two OpenAPI documents by paths and shapes, not by words.

Every `$ref` is resolved; descriptions, summaries, titles and examples are dropped; a nullable
type written as `type: [T, "null"]` or as `oneOf: [T, {type: null}]` is the same shape; a schema
generated as a component and one written inline are the same shape. What is compared: the
paths and methods, each operation's id, tags, security, parameters (name, place, required,
schema), request body and responses (status, content type, schema): types, properties,
required fields, enums, items, patterns and bounds.

Usage: scripts/openapi_diff.py BEFORE.json AFTER.json   (exit 1 when the shapes differ)
"""

import json
import sys

DROP = {"description", "summary", "title", "example", "examples", "externalDocs", "$comment", "deprecated"}


def resolve(doc, node, seen=()):
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return {"$recursive": ref.split("/")[-1]}
            target = doc
            for part in ref.lstrip("#/").split("/"):
                if part not in target:
                    return {"$missing": ref}
                target = target[part]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            merged = dict(resolve(doc, target, seen + (ref,)))
            merged.update(resolve(doc, rest, seen))
            return merged
        return {k: resolve(doc, v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(doc, v, seen) for v in node]
    return node


def merge_all_of(parts):
    """The one object an allOf of objects describes (properties and required united, an enum
    narrowed by the part that names fewer values)."""
    out = {}
    for p in parts:
        for k, v in p.items():
            if k == "properties":
                props = out.setdefault("properties", {})
                for name, sch in v.items():
                    props[name] = merge_all_of([props[name], sch]) if name in props else sch
            elif k == "required":
                out["required"] = sorted(set(out.get("required", [])) | set(v))
            elif k == "enum" and "enum" in out:
                out["enum"] = [e for e in out["enum"] if e in v] if len(v) >= len(out["enum"]) else v
            elif k not in out:
                out[k] = v
    return out


def shape(node):
    """A canonical form of a schema."""
    if isinstance(node, list):
        return [shape(v) for v in node]
    if not isinstance(node, dict):
        return node
    n = {k: v for k, v in node.items() if k not in DROP}
    if "allOf" in n:
        rest = {k: v for k, v in n.items() if k != "allOf"}
        n = merge_all_of([shape(p) for p in n["allOf"]] + [rest])
    for key in ("oneOf", "anyOf"):
        if key in n and len(n[key]) == 1:
            rest = {k: v for k, v in n.items() if k != key}
            n = dict(n[key][0])
            n.update(rest)
    # oneOf [X, {type: null}] -> X with null added to its types
    for key in ("oneOf", "anyOf"):
        if key in n and len(n[key]) == 2 and any(o == {"type": "null"} for o in n[key]):
            other = [o for o in n[key] if o != {"type": "null"}][0]
            rest = {k: v for k, v in n.items() if k != key}
            n = dict(other)
            n.update(rest)
            n["nullable"] = True
    t = n.get("type")
    if isinstance(t, list):
        types = [x for x in t if x != "null"]
        if "null" in t:
            n["nullable"] = True
        n["type"] = types[0] if len(types) == 1 else sorted(types)
    n = {k: v for k, v in n.items() if k not in DROP}
    if "required" in n:
        n["required"] = sorted(n["required"])
        if not n["required"]:
            del n["required"]
    if "enum" in n:
        n["enum"] = sorted(map(str, n["enum"]))
    if "const" in n:
        n["enum"] = [str(n.pop("const"))]
    if "format" in n and n["format"] in ("int32", "int64", "uint32", "uint64", "double", "float"):
        del n["format"]
    return {k: shape(v) for k, v in sorted(n.items())}


def operations(doc):
    out = {}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method == "parameters":
                continue
            op = resolve(doc, op)
            params = {}
            for p in op.get("parameters", []):
                params[(p["name"], p["in"])] = {"required": bool(p.get("required")), "schema": shape(p.get("schema", {}))}
            body = op.get("requestBody")
            body = None if body is None else {ct: shape(c.get("schema", {})) for ct, c in body.get("content", {}).items()}
            responses = {st: {ct: shape(c.get("schema", {})) for ct, c in r.get("content", {}).items()} for st, r in op["responses"].items()}
            out[(method.upper(), path)] = {
                "operationId": op.get("operationId"),
                "tags": op.get("tags"),
                "security": op.get("security"),
                "parameters": params,
                "requestBody": body,
                "responses": responses,
            }
    return out


def diff(a, b, at, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{at}.{k}: only after: {json.dumps(b[k], default=str)[:200]}")
            elif k not in b:
                out.append(f"{at}.{k}: only before: {json.dumps(a[k], default=str)[:200]}")
            else:
                diff(a[k], b[k], f"{at}.{k}", out)
    elif a != b:
        out.append(f"{at}: before {json.dumps(a, default=str)[:200]} / after {json.dumps(b, default=str)[:200]}")


def main():
    before, after = (json.load(open(p)) for p in sys.argv[1:3])
    a, b = operations(before), operations(after)
    out = []
    for key in sorted(set(a) | set(b)):
        name = " ".join(key)
        if key not in a:
            out.append(f"{name}: only after")
        elif key not in b:
            out.append(f"{name}: only before")
        else:
            diff(a[key], b[key], name, out)
    for line in out:
        print(line)
    print(f"{len(a)} operations before, {len(b)} after; {len(out)} differences")
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
