"""Reading the OpenAPI spec: dereferencing, schema fingerprints and identical schemas."""

import json
import os
import re

from .naming import *  # noqa: F401,F403


# --------------------------------------------------------------------------------------------------------------
# Spec helpers
# --------------------------------------------------------------------------------------------------------------

class Spec:
    def __init__(self, data):
        self.data = data
        comps = data.get("components", {})
        self.schemas = comps.get("schemas", {})
        self.responses = comps.get("responses", {})
        self.parameters = comps.get("parameters", {})

    def deref(self, node):
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ValueError("cyclic $ref " + ref)
            seen.add(ref)
            parts = ref.lstrip("#/").split("/")
            target = self.data
            for p in parts:
                target = target[p]
            node = target
        return node


def canonical_schema(node, rename=lambda name: name):
    """`node` without descriptions and examples, `$ref`s to component schemas mapped through `rename`: equal for
    schemas that decode the same JSON into the same Swift shape."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("description", "example", "examples", "title"):
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                out[key] = rename(ref_name(value))
            else:
                out[key] = canonical_schema(value, rename)
        return out
    if isinstance(node, list):
        return [canonical_schema(x, rename) for x in node]
    return node


def identical_schemas(spec):
    """Schemas that are the same as an earlier one once descriptions and examples are set aside (`CommercePerUnitTotal-2`
    and `CommercePerUnitTotal`): name -> the earlier schema's name. They share one Swift type."""
    alias = {}

    def canonical(node):
        return canonical_schema(node, lambda name: alias.get(name, name))

    changed = True
    while changed:
        changed = False
        seen = {}
        for name, schema in spec.schemas.items():
            if name in alias or name in SKIPPED_SCHEMAS:
                continue
            key = json.dumps(canonical(schema), sort_keys=True)
            if key in seen:
                alias[name] = seen[key]
                changed = True
            else:
                seen[key] = name
    return alias


def ref_name(ref):
    return ref.split("/")[-1]


def is_constraint_only(schema):
    """An anyOf/oneOf variant that only adds `required` (e.g. SAMLConnection's domain/domains rule)."""
    return isinstance(schema, dict) and set(schema.keys()) <= {"required", "description", "not"}


def has_nullable(schema):
    if not isinstance(schema, dict):
        return False
    if schema.get("nullable") is True:
        return True
    for comb in ("allOf",):
        for part in schema.get(comb) or []:
            if isinstance(part, dict) and "$ref" not in part and part.get("nullable") is True:
                return True
    return False
