"""Doc comments for generated declarations: the facts the spec states about a member (its JSON name, type and
format, units, whether it may be absent or null, allowed values, limits, default, example, deprecation, where it is
in the spec), in our own words, plus hand-written summaries and notes for the models people use every day.

No sentence of the spec's prose is copied: descriptions are never read here.
"""

import json

from .summaries import MODEL_SUMMARIES, PROPERTY_NOTES

MAX_LISTED_VALUES = 12


def code(value):
    """A JSON value as inline code."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > 60:
        text = text[:57] + "…"
    return "`%s`" % text.replace("`", "'")


def describe_type(schema, is_epoch_ms):
    """`string, date-time`, `integer, Unix epoch milliseconds`, `array`… for a dereferenced schema."""
    kind = schema.get("type")
    fmt = schema.get("format")
    if isinstance(kind, list):
        kind = "/".join(k for k in kind if k != "null") or None
    if is_epoch_ms:
        return "integer, Unix epoch milliseconds"
    if kind is None:
        if schema.get("oneOf") or schema.get("anyOf"):
            return "one of several shapes"
        if schema.get("allOf"):
            return "object"
        return "any JSON value"
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        if "$ref" in items:
            return "array of `%s` objects" % items["$ref"].rsplit("/", 1)[-1]
        if isinstance(items.get("type"), str):
            return "array of %s" % ("objects" if items["type"] == "object" else items["type"] + "s")
        return "array"
    if kind == "object":
        return "object" if schema.get("properties") else "JSON object"
    return kind + (", " + fmt if fmt and fmt not in ("int32", "int64") else "")


def limits(schema):
    facts = []
    if "minLength" in schema and "maxLength" in schema:
        facts.append("%d to %d characters" % (schema["minLength"], schema["maxLength"]))
    elif "maxLength" in schema:
        facts.append("at most %d characters" % schema["maxLength"])
    elif "minLength" in schema:
        facts.append("at least %d characters" % schema["minLength"])
    if "minimum" in schema:
        facts.append("minimum %s" % schema["minimum"])
    if "maximum" in schema:
        facts.append("maximum %s" % schema["maximum"])
    if "minItems" in schema:
        facts.append("at least %d items" % schema["minItems"])
    if "maxItems" in schema:
        facts.append("at most %d items" % schema["maxItems"])
    if "pattern" in schema:
        facts.append("matches %s" % code(schema["pattern"]))
    return facts


def allowed_values(schema):
    values = [v for v in schema.get("enum") or [] if v is not None]
    if not values:
        return None
    if len(values) == 1:
        return "always %s" % code(values[0])
    if len(values) > MAX_LISTED_VALUES:
        return "one of %d values (see the type)" % len(values)
    return "one of " + ", ".join(code(v) for v in values)


def member_doc(json_name, schema, *, required, nullable, is_epoch_ms, deprecated, location, where="JSON"):
    """The doc comment lines (without `///`) of a member: a summary line of facts, then details."""
    schema = schema or {}
    summary = "%s `%s` (%s)" % (where, json_name, describe_type(schema, is_epoch_ms))
    values = allowed_values(schema)
    if values:
        summary += ": " + values
    summary += "."
    details = []
    if where == "JSON":
        if required and nullable:
            details.append("Always sent; may be `null` (then `nil`).")
        elif required:
            details.append("Always sent.")
        elif nullable:
            details.append("May be absent or `null` (both read as `nil`).")
        else:
            details.append("May be absent (then `nil`).")
    else:
        details.append("Required." if required else "Optional: `nil` leaves it out.")
    facts = limits(schema)
    if facts:
        details.append("Limits: %s." % ", ".join(facts))
    if "default" in schema:
        details.append("Default: %s." % code(schema["default"]))
    if "example" in schema:
        details.append("Example: %s." % code(schema["example"]))
    if deprecated:
        details.append("Deprecated in the spec.")
    details.append("Spec: %s." % location)
    lines = [summary, ""] + [" ".join(details)]
    note = PROPERTY_NOTES.get(location.strip("`"))
    if note:
        lines += ["", note]
    return lines


def type_summary(schema_name, fallback):
    """The hand-written summary of a model, or the generated one."""
    return MODEL_SUMMARIES.get(schema_name, fallback)
