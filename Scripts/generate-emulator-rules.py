#!/usr/bin/env python3
"""Writes Sources/ClerkEmulator/Generated/RequestRules.swift: for each operation, the constraints the Backend API
spec states on the top-level members of its JSON request body, on its query parameters (required, type,
nullable, enum, lengths, ranges, patterns, item counts and item types) and on its path parameters (patterns, enums). The emulator checks requests against them
before a handler runs. Run from the repository root: python3 Scripts/generate-emulator-rules.py
"""
import json
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "Tests/ClerkBackendTests/Fixtures/clerk-bapi-2026-05-12.yml")
OUT = os.path.join(ROOT, "Sources/ClerkEmulator/Generated/RequestRules.swift")

with open(SPEC) as f:
    spec = yaml.safe_load(f)


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].split("/")[1:]:
            target = target[part]
        node = target
    return node


def merged(schema):
    """A property schema with `allOf` parts folded in (the spec wraps a few refs in allOf to add a description)."""
    schema = deref(schema)
    if "allOf" in schema:
        out = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            for k, v in merged(part).items():
                out.setdefault(k, v)
        return out
    return schema


def swift(value):
    return json.dumps(value, ensure_ascii=False)


def number(value):
    return "nil" if value is None else repr(float(value))


def integer(value):
    return "nil" if value is None else str(int(value))


def body_rules(schema):
    """The FieldRule lines of an object schema's members, by name."""
    required = set(schema.get("required") or [])
    fields = []
    for name, prop in sorted((schema.get("properties") or {}).items()):
        prop = merged(prop)
        kind = prop.get("type")
        items = merged(prop.get("items", {})) if kind == "array" else {}
        minimum = prop.get("minimum")
        exclusive = prop.get("exclusiveMinimum") is True
        fields.append(
            "        FieldRule(name: %s, type: %s, nullable: %s, required: %s, values: %s, minLength: %s, "
            "maxLength: %s, minimum: %s, minimumIsExclusive: %s, maximum: %s, pattern: %s, minItems: %s, "
            "maxItems: %s, itemType: %s)"
            % (
                swift(name), swift(kind) if kind else "nil", "true" if prop.get("nullable") else "false",
                "true" if name in required else "false",
                "[" + ", ".join(swift(v) for v in prop["enum"] if v is not None) + "]"
                if prop.get("enum") and kind == "string" else "nil",
                integer(prop.get("minLength")), integer(prop.get("maxLength")), number(minimum),
                "true" if exclusive else "false", number(prop.get("maximum")),
                swift(prop["pattern"]) if prop.get("pattern") else "nil",
                integer(prop.get("minItems")), integer(prop.get("maxItems")),
                swift(items.get("type")) if items.get("type") else "nil",
            )
        )
    return fields


rules = {}
# Members of nested objects: (container member, "" for a body that is an array; whether it is an array of objects;
# the objects' member rules).
nested = {}
for path, item in spec["paths"].items():
    for method, operation in item.items():
        if method not in ("get", "post", "put", "patch", "delete"):
            continue
        body = operation.get("requestBody")
        if not body:
            continue
        media = deref(body).get("content", {}).get("application/json")
        if not media:
            continue
        schema = merged(media.get("schema", {}))
        groups = []
        if schema.get("type") == "array" and merged(schema.get("items", {})).get("properties"):
            groups.append(("", True, merged(schema["items"])))
        for name, prop in sorted((schema.get("properties") or {}).items()):
            prop = merged(prop)
            if prop.get("type") == "object" and prop.get("properties"):
                groups.append((name, False, prop))
            elif prop.get("type") == "array" and merged(prop.get("items", {})).get("properties"):
                groups.append((name, True, merged(prop["items"])))
        if groups:
            nested[operation["operationId"]] = groups
        if not schema.get("properties"):
            continue
        rules[operation["operationId"]] = body_rules(schema)

def string_formats(schema):
    """(member, format) for the members of an object schema whose strings have a format the emulator checks."""
    out = []
    for name, prop in sorted((schema.get("properties") or {}).items()):
        prop = merged(prop)
        if prop.get("type") == "string" and prop.get("format") in ("uri", "date-time", "email"):
            out.append((name, prop["format"]))
    return out


def operation_parameters(location):
    """(operationId, parameter, merged schema) for every parameter `in` location, path-level ones included."""
    for path, item in spec["paths"].items():
        common = item.get("parameters", [])
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for parameter in common + operation.get("parameters", []):
                parameter = deref(parameter)
                if parameter.get("in") == location:
                    yield operation["operationId"], parameter, merged(parameter.get("schema", {}))


queries = {}
for operation_id, parameter, prop in operation_parameters("query"):
    kind = prop.get("type")
    items = merged(prop.get("items", {})) if kind == "array" else {}
    values = prop.get("enum") or items.get("enum")
    value_type = items.get("type") if kind == "array" else kind
    queries.setdefault(operation_id, []).append(
        "        FieldRule(name: %s, type: %s, nullable: false, required: %s, values: %s, minLength: %s, "
        "maxLength: %s, minimum: %s, minimumIsExclusive: false, maximum: %s, pattern: %s, minItems: nil, "
        "maxItems: %s, itemType: %s)"
        % (
            swift(parameter["name"]), swift(kind) if kind else "nil",
            "true" if parameter.get("required") else "false",
            "[" + ", ".join(swift(str(v).lower() if isinstance(v, bool) else str(v)) for v in values if v is not None) + "]"
            if values else "nil",
            integer(prop.get("minLength")), integer(prop.get("maxLength")), number(prop.get("minimum")),
            number(prop.get("maximum")), swift(prop["pattern"]) if prop.get("pattern") else "nil",
            integer(prop.get("maxItems")), swift(value_type) if value_type else "nil",
        )
    )

# Path parameters: only those the spec constrains (id patterns, enums, lengths).
paths = {}
for operation_id, parameter, prop in operation_parameters("path"):
    values = prop.get("enum")
    if not (values or prop.get("pattern") or "minLength" in prop or "maxLength" in prop):
        continue
    paths.setdefault(operation_id, []).append(
        "        FieldRule(name: %s, type: nil, nullable: false, required: true, values: %s, minLength: %s, "
        "maxLength: %s, minimum: nil, minimumIsExclusive: false, maximum: nil, pattern: %s, minItems: nil, "
        "maxItems: nil, itemType: nil)"
        % (
            swift(parameter["name"]),
            "[" + ", ".join(swift(str(v)) for v in values if v is not None) + "]" if values else "nil",
            integer(prop.get("minLength")), integer(prop.get("maxLength")),
            swift(prop["pattern"]) if prop.get("pattern") else "nil",
        )
    )

# String formats of top-level body members the emulator checks (uri, date-time, email).
formats = {}
for path, item in spec["paths"].items():
    for method, operation in item.items():
        if method not in ("get", "post", "put", "patch", "delete") or "requestBody" not in operation:
            continue
        media = deref(operation["requestBody"]).get("content", {}).get("application/json")
        schema = merged(media.get("schema", {})) if media else {}
        if string_formats(schema):
            formats[operation["operationId"]] = string_formats(schema)

# Operations the spec lets anyone call (`security: []`): the emulator answers them without the secret key.
public_operations = sorted(
    operation["operationId"]
    for item in spec["paths"].values()
    for method, operation in item.items()
    if method in ("get", "post", "put", "patch", "delete") and operation.get("security") == []
)

# Operations that document exactly one of 400 and 422: a refusal (of a query, a body, a path) answers that one.
refusal_status = {}
for path, item in spec["paths"].items():
    for method, operation in item.items():
        if method not in ("get", "post", "put", "patch", "delete"):
            continue
        documented = {str(status) for status in operation.get("responses", {})}
        if ("400" in documented) != ("422" in documented):
            refusal_status[operation["operationId"]] = 400 if "400" in documented else 422


def table(doc, name, entries):
    out = ["    /// %s" % doc, "    static let %s: [String: [FieldRule]] = [" % name]
    for operation_id in sorted(entries):
        out.append("        %s: [" % swift(operation_id))
        out.extend("    " + field + "," for field in entries[operation_id])
        out.append("        ],")
    return out + ["    ]"]


lines = [
    "// Generated by Scripts/generate-emulator-rules.py from the Backend API spec. Do not edit.",
    "",
    "/// The constraints the spec states on each operation's JSON request body, query and path, member by member.",
    "enum RequestRules {",
]
lines += table("The members of each operation's JSON request body.", "byOperation", rules)
lines.append("")
lines += table("The query parameters of each operation (`type` is the parameter's; `itemType` the type of each value).",
               "queryByOperation", queries)
lines.append("")
lines += table("The path parameters the spec constrains (patterns of ids, enums), of each operation.", "pathByOperation", paths)
lines.append("")
lines.append("    /// The members of objects inside request bodies (an object member, the items of an array member, or the items of")
lines.append("    /// a body that is an array: container `\"\"`).")
lines.append("    static let nestedByOperation: [String: [NestedRules]] = [")
for operation_id in sorted(nested):
    lines.append("        %s: [" % swift(operation_id))
    for container, is_array, schema in nested[operation_id]:
        lines.append("            NestedRules(container: %s, isArray: %s, formats: [%s], rules: [" % (
            swift(container), "true" if is_array else "false",
            ", ".join("%s: %s" % (swift(n), swift(f)) for n, f in string_formats(schema)) or ":"))
        lines.extend("        " + field + "," for field in body_rules(schema))
        lines.append("            ]),")
    lines.append("        ],")
lines.append("    ]")
lines.append("")
lines.append("    /// The string formats of top-level body members: `uri`, `date-time` or `email`, by operation and member.")
lines.append("    static let formatsByOperation: [String: [String: String]] = [")
for operation_id in sorted(formats):
    lines.append("        %s: [%s]," % (swift(operation_id), ", ".join("%s: %s" % (swift(n), swift(f)) for n, f in formats[operation_id])))
lines.append("    ]")
lines.append("")
lines.append("    /// Operations the spec lets anyone call (`security: []`).")
lines.append("    static let publicOperations: Set<String> = [")
lines += ["        %s," % swift(operation_id) for operation_id in public_operations]
lines.append("    ]")
lines.append("")
lines.append("    /// The one refusal status (400 or 422) of the operations that document one of them and not the other.")
lines.append("    static let refusalStatusByOperation: [String: Int] = [")
lines += ["        %s: %d," % (swift(operation_id), refusal_status[operation_id]) for operation_id in sorted(refusal_status)]
lines.append("    ]")
lines += ["}", ""]
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write("\n".join(lines))
print("request body rules: %d operations, %d members (%d nested objects); query rules: %d operations, %d parameters; path rules: %d operations" % (
    len(rules), sum(len(v) for v in rules.values()), sum(len(v) for v in nested.values()), len(queries),
    sum(len(v) for v in queries.values()), len(paths)))
