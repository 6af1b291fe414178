#!/usr/bin/env python3
"""Generates the ClerkBackend model types and endpoint table from Clerk's Backend API OpenAPI spec.

Usage (from the repository root):

    python3 Scripts/generate-models.py [--spec PATH] [--examples-check DIR]

Outputs (deleted and rewritten on every run, deterministic):

* Sources/ClerkBackend/Models/Generated/<Type>.swift             one file per component schema
* Sources/ClerkBackend/Models/Generated/Responses/<Type>.swift   inline schemas of components/responses
* Sources/ClerkBackend/Models/Generated/Operations/<Op>.swift    <Op>Body / <Op>Query / <Op>Response
* Sources/ClerkBackend/Models/Generated/ModelRegistry+Generated.swift
                                                                 `ModelRegistry`: schema name -> Swift type,
                                                                 operationId -> type of its JSON success body
* Sources/ClerkBackend/Client/Endpoints+Generated.swift          the `Endpoint` table

With `--examples-check DIR`, also writes DIR/main.swift: a program that decodes every `example` of the
spec that belongs to a generated type (property examples, and objects assembled from the property
examples when every required property has one) with `JSONDecoder`. It is never written into the repo.

Only dependency: PyYAML.
"""

import argparse
import json
import os
import re
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SPEC = os.path.join(ROOT, "Tests", "ClerkBackendTests", "Fixtures", "clerk-bapi-2026-05-12.yml")
MODELS_DIR = os.path.join(ROOT, "Sources", "ClerkBackend", "Models", "Generated")
ENDPOINTS_FILE = os.path.join(ROOT, "Sources", "ClerkBackend", "Client", "Endpoints+Generated.swift")

# Schemas the SDK writes by hand, and the Swift type that properties referring to them get.
SKIPPED_SCHEMAS = {"ClerkError": "JSONValue", "ClerkErrors": "JSONValue"}

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "Self", "super", "throws",
    "true", "try", "Type", "any", "some", "Any", "Protocol",
}

# Names a generated nested type must not take: they are special in Swift, or they are types that generated
# code refers to (a nested type of that name would shadow them inside its parent).
RESERVED_TYPE_NAMES = {
    "Type", "Protocol", "Self", "Any", "Error", "String", "Int", "Int64", "Bool", "Double", "Float", "Array",
    "Dictionary", "Optional", "Set", "Codable", "Decoder", "Encoder", "Decodable", "Encodable", "CodingKey",
    "CodingKeys", "DecodingError", "EncodingError", "Hashable", "Sendable", "JSONValue", "Metadata",
    "OpenStringEnum", "QueryItems", "QueryEncodable", "Endpoint", "Data", "Date", "URL", "UUID", "Element",
    "DiscriminatorKey", "Never", "Void", "Result", "Character",
}

# Members that an open-enum struct already has.
OPEN_ENUM_RESERVED = {"rawValue", "description", "hashValue", "init", "self", "Type"}

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# --------------------------------------------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------------------------------------------

def split_words(name):
    return [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]


def type_name(name):
    """`CommercePlan-2` -> `CommercePlan2`, `JWKS.rsa.PublicKey` -> `JWKSRsaPublicKey`, `user_id` -> `UserId`."""
    parts = split_words(name)
    result = "".join(p[0].upper() + p[1:] for p in parts)
    if not result:
        result = "Value"
    if result[0].isdigit():
        result = "_" + result
    return result


def camel(name):
    """`user_id` -> `userId`, `web3_wallets` -> `web3Wallets`, `x5t#S256` -> `x5tS256` (mechanical)."""
    parts = split_words(name)
    if not parts:
        return "value"
    first = parts[0].lower() if parts[0].isupper() or parts[0].islower() else parts[0][0].lower() + parts[0][1:]
    result = first + "".join(p[0].upper() + p[1:] for p in parts[1:])
    if result[0].isdigit():
        result = "_" + result
    return result


def property_name(json_name):
    if json_name == "public":
        return "isPublic"
    return camel(json_name)


def escape(identifier):
    return "`%s`" % identifier if identifier in SWIFT_KEYWORDS else identifier


def lower_camel_type(name):
    """Lower-camel of a type name, lowering a leading acronym: `SAMLConnection` -> `samlConnection`."""
    i = 0
    while i < len(name) and name[i].isupper():
        i += 1
    if i == 0:
        return name
    if i == 1 or i == len(name):
        return name[:i].lower() + name[i:]
    if name[i].isdigit():
        return name[:i].lower() + name[i:]
    return name[: i - 1].lower() + name[i - 1:]


def camel_words(name):
    """Splits a PascalCase type name into words: `VerificationOtp` -> [Verification, Otp]."""
    return re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+", name)


def enum_member_name(value):
    """Swift name of an open-enum constant."""
    if value == "":
        return "empty"
    if value == "*":
        return "wildcard"
    prefix = ""
    if value.startswith("-"):
        prefix = "excluding"
        value = value[1:]
    name = camel(value)
    if prefix:
        name = prefix + name[0].upper() + name[1:]
    return name


def swift_string(value):
    return json.dumps(value, ensure_ascii=False)


HEADER = "// Generated by Scripts/generate-models.py from {spec}. Do not edit.\n"


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


# --------------------------------------------------------------------------------------------------------------
# Swift code model
# --------------------------------------------------------------------------------------------------------------

class TypeRef:
    """A Swift type as written inside its scope (`local`) and fully qualified (`qualified`)."""

    def __init__(self, local, qualified=None):
        self.local = local
        self.qualified = qualified or local

    def map(self, fmt):
        return TypeRef(fmt % self.local, fmt % self.qualified)


class Property:
    def __init__(self, json_name, swift_name, type_ref, optional, deprecated, is_epoch_ms, schema):
        self.json_name = json_name
        self.swift_name = swift_name
        self.type = type_ref
        self.optional = optional
        self.deprecated = deprecated
        self.is_epoch_ms = is_epoch_ms
        self.schema = schema

    @property
    def decl_type(self):
        return self.type.local + ("?" if self.optional else "")

    @property
    def qualified_type(self):
        return self.type.qualified + ("?" if self.optional else "")


class Generator:
    def __init__(self, spec, spec_file_name):
        self.spec = spec
        self.spec_file_name = spec_file_name
        self.header = HEADER.format(spec=spec_file_name)
        self.schema_names = {}
        for name in spec.schemas:
            if name in SKIPPED_SCHEMAS:
                continue
            self.schema_names[name] = self.top_level_name(name)
        self.top_level = set(self.schema_names.values())
        if len(self.top_level) != len(self.schema_names):
            raise SystemExit("schema type names clash")
        self.response_names = {}
        for key, response in spec.responses.items():
            schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
            if schema is None or "$ref" in schema:
                continue
            name = type_name(key)
            if name in self.top_level or name in RESERVED_TYPE_NAMES:
                name += "Response"
            self.response_names[key] = name
            self.top_level.add(name)
        self.files = {}  # relative path -> content
        self.checks = []  # (label, qualified swift type, json text)
        self.assembled = 0
        self.unassembled = []  # (type, required properties without example)
        self.warnings = []

    def top_level_name(self, schema_name):
        name = type_name(schema_name)
        if name in RESERVED_TYPE_NAMES:
            name = name + "Object"
        return name

    # ---------------------------------------------------------------------------------------------------------
    # Schema inspection

    def is_nullable_ref_target(self, schema):
        """A property is optional when it $refs a schema that is itself `nullable: true`."""
        if isinstance(schema, dict) and "$ref" in schema:
            return self.spec.deref(schema).get("nullable") is True
        if isinstance(schema, dict):
            for comb in ("allOf", "oneOf", "anyOf"):
                parts = [p for p in schema.get(comb) or [] if not is_constraint_only(p)]
                if comb == "allOf" and len(parts) == 1 and "$ref" in parts[0]:
                    return self.spec.deref(parts[0]).get("nullable") is True
        return False

    def merged_object(self, schema):
        """Properties (ordered) and required names of an object schema, merging allOf parts."""
        schema = self.spec.deref(schema)
        props = {}
        required = []
        for part in schema.get("allOf") or []:
            p, r = self.merged_object(part)
            for k, v in p.items():
                props[k] = v
            required += [x for x in r if x not in required]
        for k, v in (schema.get("properties") or {}).items():
            props[k] = v
        required += [x for x in schema.get("required") or [] if x not in required]
        return props, required

    def meaningful_variants(self, schema):
        for comb in ("oneOf", "anyOf"):
            variants = [v for v in schema.get(comb) or [] if not is_constraint_only(v)]
            if variants:
                return comb, variants
        return None, []

    def is_object_like(self, schema):
        schema = self.spec.deref(schema)
        if schema.get("properties") or schema.get("allOf"):
            return True
        if schema.get("type") == "object":
            return True
        return False

    # ---------------------------------------------------------------------------------------------------------
    # Type resolution

    def resolve(self, schema, hint, scope, nested, prop_json_name=None, doc_context=""):
        """Returns the TypeRef of `schema`; inline types are appended to `nested` (list of (name, lines)).

        `scope` is the list of enclosing type names (for qualified names); `hint` the PascalCase name for an
        inline type.
        """
        if schema is None or schema == {}:
            return TypeRef("JSONValue")
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            if schema["$ref"].startswith("#/components/schemas/"):
                if name in SKIPPED_SCHEMAS:
                    return TypeRef(SKIPPED_SCHEMAS[name])
                return TypeRef(self.schema_names[name])
            return self.resolve(self.spec.deref(schema), hint, scope, nested, prop_json_name, doc_context)

        if schema.get("allOf"):
            parts = [p for p in schema["allOf"] if not is_constraint_only(p)]
            if len(parts) == 1 and not schema.get("properties"):
                return self.resolve(parts[0], hint, scope, nested, prop_json_name, doc_context)
            name = self.nested_name(hint, scope, nested)
            nested.append((name, self.struct_lines(schema, name, scope + [name],
                                                   "Inline object of %s." % doc_context)))
            return TypeRef(name, ".".join(scope + [name]))

        comb, variants = self.meaningful_variants(schema)
        if variants:
            if len(variants) == 1:
                return self.resolve(variants[0], hint, scope, nested, prop_json_name, doc_context)
            if all(not self.is_object_like(v) for v in variants):
                return TypeRef("JSONValue")
            name = self.nested_name(hint, scope, nested)
            nested.append((name, self.union_lines(schema, name, scope + [name],
                                                  "One of several shapes of %s." % doc_context)))
            return TypeRef(name, ".".join(scope + [name]))

        t = schema.get("type")
        if t == "string":
            values = [v for v in schema.get("enum") or [] if v is not None]
            if values:
                name = self.nested_name(hint, scope, nested)
                nested.append((name, self.open_enum_lines(name, values, "Values of %s." % doc_context)))
                return TypeRef(name, ".".join(scope + [name]))
            return TypeRef("String")
        if t == "integer":
            return TypeRef("Int64")
        if t == "number":
            return TypeRef("Double")
        if t == "boolean":
            return TypeRef("Bool")
        if t == "array":
            items = schema.get("items") or {}
            element = self.resolve(items, hint, scope, nested, prop_json_name, doc_context)
            if isinstance(items, dict) and items.get("nullable") is True:
                element = element.map("%s?")
            return element.map("[%s]")
        if t == "object" or schema.get("properties") or "additionalProperties" in schema:
            if schema.get("properties"):
                name = self.nested_name(hint, scope, nested)
                nested.append((name, self.struct_lines(schema, name, scope + [name],
                                                       "Inline object of %s." % doc_context)))
                return TypeRef(name, ".".join(scope + [name]))
            ap = schema.get("additionalProperties")
            if isinstance(ap, dict) and ap != {}:
                value = self.resolve(ap, hint + "Value", scope, nested, prop_json_name, doc_context)
                return value.map("[String: %s]")
            if prop_json_name and prop_json_name.endswith("_metadata"):
                return TypeRef("Metadata")
            return TypeRef("[String: JSONValue]")
        return TypeRef("JSONValue")

    def nested_name(self, hint, scope, nested):
        name = hint
        taken = {n for n, _ in nested}
        if name in RESERVED_TYPE_NAMES or name in self.top_level or name in scope:
            name = name + "Value"
        base = name
        i = 2
        while name in taken or name in self.top_level or name in scope:
            name = "%s%d" % (base, i)
            i += 1
        return name

    # ---------------------------------------------------------------------------------------------------------
    # Emitters (return lists of lines, unindented)

    def open_enum_lines(self, name, values, doc):
        lines = ["/// %s" % doc, "///", "/// An open set: values this SDK does not know decode and round-trip unchanged.",
                 "public struct %s: OpenStringEnum {" % name,
                 "    public let rawValue: String",
                 "    public init(rawValue: String) { self.rawValue = rawValue }"]
        used = set()
        for value in values:
            value = str(value) if not isinstance(value, str) else value
            member = enum_member_name(value)
            if member in OPEN_ENUM_RESERVED:
                member += "Value"
            base = member
            i = 2
            while member in used:
                member = "%s%d" % (base, i)
                i += 1
            used.add(member)
            lines.append("    /// `%s`." % value)
            lines.append("    public static let %s: Self = %s" % (escape(member), swift_string(value)))
        lines.append("}")
        return lines

    def build_properties(self, schema, scope, nested, owner_label):
        props, required = self.merged_object(schema)
        result = []
        used = set()
        for json_name, prop_schema in props.items():
            swift = property_name(json_name)
            base = swift
            i = 2
            while swift in used:
                swift = "%s%d" % (base, i)
                i += 1
            used.add(swift)
            doc_context = "`%s` in %s" % (json_name, owner_label)
            tref = self.resolve(prop_schema, type_name(json_name), scope, nested, json_name, doc_context)
            nullable = has_nullable(prop_schema) or self.is_nullable_ref_target(prop_schema)
            optional = (json_name not in required) or nullable
            deref = self.spec.deref(prop_schema) if isinstance(prop_schema, dict) else {}
            deprecated = bool(prop_schema.get("deprecated")) if isinstance(prop_schema, dict) else False
            is_int = deref.get("type") == "integer"
            result.append(Property(json_name, swift, tref, optional, deprecated,
                                   is_int and json_name.endswith("_at"), prop_schema))
        return result

    def struct_lines(self, schema, name, scope, doc, conformances="Codable, Hashable, Sendable"):
        nested = []
        owner_label = "`%s`" % ".".join(scope)
        props = self.build_properties(schema, scope, nested, owner_label)
        lines = ["/// %s" % doc, "public struct %s: %s {" % (name, conformances)]
        for p in props:
            doc_line = "    /// JSON `%s`." % p.json_name
            if p.is_epoch_ms:
                doc_line += " Unix epoch milliseconds."
            if p.deprecated:
                doc_line += " Deprecated in the spec."
            lines.append(doc_line)
            if p.deprecated:
                # Stored under a private name so that the memberwise initialiser does not use a deprecated
                # declaration (that would warn); the public accessor carries the deprecation.
                lines.append("    @available(*, deprecated, message: \"Deprecated in the Backend API spec\")")
                lines.append("    public var %s: %s {" % (escape(p.swift_name), p.decl_type))
                lines.append("        get { _%s }" % p.swift_name)
                lines.append("        set { _%s = newValue }" % p.swift_name)
                lines.append("    }")
                lines.append("    private var _%s: %s" % (p.swift_name, p.decl_type))
            else:
                lines.append("    public var %s: %s" % (escape(p.swift_name), p.decl_type))
        lines.append("")
        # Memberwise initialiser.
        params = []
        for p in props:
            param = "%s: %s" % (escape(p.swift_name), p.decl_type)
            if p.optional:
                param += " = nil"
            params.append(param)
        lines.append("    /// Creates a value from its properties.")
        if not params:
            lines.append("    public init() {}")
        else:
            lines.append("    public init(")
            for i, param in enumerate(params):
                lines.append("        " + param + ("," if i < len(params) - 1 else ""))
            lines.append("    ) {")
            for p in props:
                target = ("_" + p.swift_name) if p.deprecated else escape(p.swift_name)
                lines.append("        self.%s = %s" % (target, escape(p.swift_name)))
            lines.append("    }")
        if props:
            lines.append("")
            lines.append("    enum CodingKeys: String, CodingKey {")
            for p in props:
                case = ("_" + p.swift_name) if p.deprecated else escape(p.swift_name)
                if case == p.json_name:
                    lines.append("        case %s" % case)
                else:
                    lines.append("        case %s = %s" % (case, swift_string(p.json_name)))
            lines.append("    }")
        for nested_name, nested_lines in nested:
            lines.append("")
            lines.extend("    " + l if l else "" for l in nested_lines)
        lines.append("}")
        self.collect_examples(schema, props, ".".join(scope))
        return lines

    def discriminator_values(self, schema, variants):
        """Maps variant index -> list of tag values, and the property name; or (None, None)."""
        disc = schema.get("discriminator")
        prop = disc.get("propertyName") if disc else "object"
        tags = {}
        for i, v in enumerate(variants):
            props, _ = self.merged_object(v) if self.is_object_like(v) else ({}, [])
            tag_schema = self.spec.deref(props.get(prop) or {})
            values = [x for x in tag_schema.get("enum") or [] if x is not None]
            tags[i] = list(values) if len(values) == 1 else []
        if disc:
            for value, ref in (disc.get("mapping") or {}).items():
                for i, v in enumerate(variants):
                    if v.get("$ref") == ref and value not in tags[i]:
                        tags[i].append(value)
            for i, v in enumerate(variants):
                if not tags[i] and "$ref" in v:
                    tags[i].append(ref_name(v["$ref"]))
            return prop, tags
        if all(tags[i] for i in tags):
            return prop, tags
        return None, None

    def union_lines(self, schema, name, scope, doc):
        _, variants = self.meaningful_variants(schema)
        nested = []
        cases = []
        type_refs = []
        for i, variant in enumerate(variants):
            if "$ref" in variant and variant["$ref"].startswith("#/components/schemas/"):
                tref = self.resolve(variant, "Variant%d" % (i + 1), scope, nested)
            else:
                v = self.spec.deref(variant)
                props, _ = self.merged_object(v)
                hint = None
                obj = self.spec.deref(props.get("object") or {})
                if len(obj.get("enum") or []) == 1:
                    hint = type_name(str(obj["enum"][0]))
                elif len(props) == 1:
                    (pname, pschema), = props.items()
                    pschema = self.spec.deref(pschema)
                    if len(pschema.get("enum") or []) == 1:
                        hint = type_name(pname) + type_name(str(pschema["enum"][0]).lower())
                tref = self.resolve(v, hint or "Variant%d" % (i + 1), scope, nested,
                                    doc_context="variant %d of `%s`" % (i + 1, ".".join(scope)))
            type_refs.append(tref)
        # Case names: variant type names without their common leading words.
        words = [camel_words(t.local.split(".")[-1]) for t in type_refs]
        common = 0
        while all(len(w) > common + 1 for w in words) and len({w[common] for w in words}) == 1:
            common += 1
        used = {"unknown"}
        for w, t in zip(words, type_refs):
            case = lower_camel_type("".join(w[common:]))
            base = case
            i = 2
            while case in used:
                case = "%s%d" % (base, i)
                i += 1
            used.add(case)
            cases.append(case)
        prop, tags = self.discriminator_values(schema, variants)
        lines = ["/// %s" % doc, "public enum %s: Codable, Hashable, Sendable {" % name]
        for case, t in zip(cases, type_refs):
            lines.append("    /// A `%s`." % t.local)
            lines.append("    case %s(%s)" % (escape(case), t.local))
        lines.append("    /// A shape this SDK does not know, kept as raw JSON.")
        lines.append("    case unknown(JSONValue)")
        lines.append("")
        lines.append("    public init(from decoder: any Decoder) throws {")
        if prop:
            lines.append("        let tag = try? decoder.container(keyedBy: DiscriminatorKey.self)")
            lines.append("            .decodeIfPresent(String.self, forKey: DiscriminatorKey(stringValue: %s))"
                         % swift_string(prop))
            lines.append("        switch tag {")
            seen = set()
            for i, (case, t) in enumerate(zip(cases, type_refs)):
                values = [v for v in tags[i] if v not in seen]
                seen.update(values)
                if not values:
                    continue
                patterns = ", ".join(".some(%s)" % swift_string(v) for v in values)
                lines.append("        case %s: self = .%s(try %s(from: decoder))" % (patterns, case, t.local))
            lines.append("        default: self = .unknown(try JSONValue(from: decoder))")
            lines.append("        }")
        else:
            # Without a discriminator, the variant with the most required properties is tried first (stable
            # otherwise), so that a private JWK is not taken for the public key whose properties it includes.
            def required_count(variant):
                return len(self.merged_object(variant)[1]) if self.is_object_like(variant) else 0
            order = sorted(range(len(variants)), key=lambda i: -required_count(variants[i]))
            for case, t in [(cases[i], type_refs[i]) for i in order]:
                lines.append("        if let value = try? %s(from: decoder) {" % t.local)
                lines.append("            self = .%s(value)" % case)
                lines.append("            return")
                lines.append("        }")
            lines.append("        self = .unknown(try JSONValue(from: decoder))")
        lines.append("    }")
        lines.append("")
        lines.append("    public func encode(to encoder: any Encoder) throws {")
        lines.append("        switch self {")
        for case in cases:
            lines.append("        case .%s(let value): try value.encode(to: encoder)" % case)
        lines.append("        case .unknown(let value): try value.encode(to: encoder)")
        lines.append("        }")
        lines.append("    }")
        if prop:
            lines += [
                "",
                "    private struct DiscriminatorKey: CodingKey {",
                "        var stringValue: String",
                "        var intValue: Int? { nil }",
                "        init(stringValue: String) { self.stringValue = stringValue }",
                "        init?(intValue: Int) { nil }",
                "    }",
            ]
        for nested_name, nested_lines in nested:
            lines.append("")
            lines.extend("    " + l if l else "" for l in nested_lines)
        lines.append("}")
        return lines

    # ---------------------------------------------------------------------------------------------------------
    # Top-level declarations

    def top_level_decl(self, schema, name, doc, element_doc):
        """Lines for a top-level type named `name` for `schema` (struct, enum, or typealias)."""
        schema = self.spec.deref(schema)
        comb, variants = self.meaningful_variants(schema)
        if variants and len(variants) > 1 and not schema.get("properties"):
            if all(not self.is_object_like(v) for v in variants):
                return ["/// %s" % doc, "public typealias %s = JSONValue" % name]
            return self.union_lines(schema, name, [name], doc)
        if schema.get("properties") or schema.get("allOf"):
            return self.struct_lines(schema, name, [name], doc)
        t = schema.get("type")
        if t == "array":
            items = schema.get("items") or {}
            extra = []
            if isinstance(items, dict) and "$ref" not in items and (items.get("properties") or items.get("allOf")):
                item_name = name + "Item"
                extra = [""] + self.struct_lines(items, item_name, [item_name], element_doc)
                element = item_name
            else:
                nested = []
                element = self.resolve(items, name + "Item", [], nested, doc_context="the elements of `%s`" % name).local
                for _, nl in nested:
                    extra += [""] + nl
            return ["/// %s" % doc, "public typealias %s = [%s]" % (name, element)] + extra
        if t == "string" and schema.get("enum"):
            return self.open_enum_lines(name, [v for v in schema["enum"] if v is not None], doc)
        nested = []
        tref = self.resolve(schema, name + "Value", [], nested, doc_context="`%s`" % name)
        extra = []
        for _, nl in nested:
            extra += [""] + nl
        return ["/// %s" % doc, "public typealias %s = %s" % (name, tref.local)] + extra

    def write(self, rel_path, lines):
        text = self.header + "\n" + "\n".join(lines).rstrip() + "\n"
        text = re.sub(r"[ \t]+\n", "\n", text)
        if rel_path in self.files:
            raise SystemExit("duplicate output " + rel_path)
        self.files[rel_path] = text

    def generate_schemas(self):
        for schema_name, name in self.schema_names.items():
            schema = self.spec.schemas[schema_name]
            doc = "The `%s` object of the Backend API (schema `%s`)." % (name, schema_name)
            lines = self.top_level_decl(schema, name, doc,
                                        "An element of `%s` (schema `%s`)." % (name, schema_name))
            self.write("Models/Generated/%s.swift" % name, lines)

    def generate_responses(self):
        for key, name in self.response_names.items():
            schema = self.spec.responses[key]["content"]["application/json"]["schema"]
            doc = "The `%s` response of the Backend API (`components/responses/%s`)." % (name, key)
            lines = self.top_level_decl(schema, name, doc, "An element of the `%s` response." % key)
            self.write("Models/Generated/Responses/%s.swift" % name, lines)

    # ---------------------------------------------------------------------------------------------------------
    # Operations

    def operations(self):
        for path, item in self.spec.data["paths"].items():
            common = item.get("parameters") or []
            for method, op in item.items():
                if method not in HTTP_METHODS:
                    continue
                yield path, method, op, common

    def generate_operations(self):
        count = 0
        for path, method, op, common in self.operations():
            op_id = op["operationId"]
            base = op_id[0].upper() + op_id[1:]
            label = "`%s` (`%s %s`)" % (op_id, method.upper(), path)
            blocks = []
            # Body
            body = op.get("requestBody")
            if body:
                body = self.spec.deref(body)
                json_body = (body.get("content") or {}).get("application/json")
                if json_body and "schema" in json_body and "$ref" not in json_body["schema"]:
                    blocks.append(self.top_level_decl(json_body["schema"], base + "Body",
                                                      "The JSON request body of %s." % label,
                                                      "An element of the JSON request body of %s." % label))
            # Query
            params = []
            for p in list(common) + list(op.get("parameters") or []):
                p = self.spec.deref(p)
                if p.get("in") == "query":
                    params.append(p)
            if params:
                blocks.append(self.query_lines(base + "Query", params, label))
            # Response
            for code in ("200", "201"):
                response = (op.get("responses") or {}).get(code)
                if response is None:
                    continue
                if "$ref" in response:
                    break
                json_resp = (response.get("content") or {}).get("application/json")
                if json_resp and "schema" in json_resp and "$ref" not in json_resp["schema"]:
                    blocks.append(self.top_level_decl(json_resp["schema"], base + "Response",
                                                      "The JSON response of %s." % label,
                                                      "An element of the JSON response of %s." % label))
                break
            if blocks:
                lines = []
                for b in blocks:
                    if lines:
                        lines.append("")
                    lines += b
                self.write("Models/Generated/Operations/%s.swift" % base, lines)
                count += 1
        return count

    def query_lines(self, name, params, label):
        nested = []
        props = []
        used = set()
        for p in params:
            schema = p.get("schema") or {}
            swift = camel(p["name"])
            while swift in used:
                swift += "_"
            used.add(swift)
            if p["name"] in ("limit", "offset") and schema.get("type") in ("integer", "number"):
                tref = TypeRef("Int")
            else:
                tref = self.resolve(schema, type_name(p["name"]), [name], nested, p["name"],
                                    "query parameter `%s`" % p["name"])
            optional = not p.get("required", False)
            comma = schema.get("type") == "array" and p.get("explode") is False
            props.append((p, swift, tref, optional, comma))
            for key in ("example",):
                if key in p:
                    self.checks.append(("%s query parameter %s" % (name, p["name"]),
                                        tref.qualified + ("?" if optional else ""), json.dumps(p[key])))
        lines = ["/// The query parameters of %s." % label,
                 "public struct %s: QueryEncodable, Hashable {" % name]
        for p, swift, tref, optional, comma in props:
            lines.append("    /// Query parameter `%s`.%s" % (p["name"], " Deprecated in the spec." if p.get("deprecated") else ""))
            lines.append("    public var %s: %s%s" % (escape(swift), tref.local, "?" if optional else ""))
        lines.append("")
        lines.append("    /// Creates a value from its parameters.")
        lines.append("    public init(")
        for i, (p, swift, tref, optional, comma) in enumerate(props):
            lines.append("        %s: %s%s%s" % (escape(swift), tref.local, "? = nil" if optional else "",
                                                  "," if i < len(props) - 1 else ""))
        lines.append("    ) {")
        for p, swift, tref, optional, comma in props:
            lines.append("        self.%s = %s" % (escape(swift), escape(swift)))
        lines.append("    }")
        lines.append("")
        lines.append("    public func encode(to query: inout QueryItems) {")
        for p, swift, tref, optional, comma in props:
            fn = "appendCommaSeparated" if comma else "append"
            lines.append("        query.%s(%s, self.%s)" % (fn, swift_string(p["name"]), escape(swift)))
        lines.append("    }")
        for nested_name, nested_lines in nested:
            lines.append("")
            lines.extend("    " + l if l else "" for l in nested_lines)
        lines.append("}")
        return lines

    # ---------------------------------------------------------------------------------------------------------
    # Registry (for the model tests: which Swift type decodes which schema / operation response)

    def success_response_type(self, op):
        """Swift type expression of the JSON body of the 200/201 response of `op`, or None."""
        base = op["operationId"][0].upper() + op["operationId"][1:]
        for code in ("200", "201"):
            response = (op.get("responses") or {}).get(code)
            if response is None:
                continue
            response_key = None
            if "$ref" in response:
                response_key = ref_name(response["$ref"])
                response = self.spec.deref(response)
            json_resp = (response.get("content") or {}).get("application/json")
            if not json_resp or "schema" not in json_resp:
                return None
            schema = json_resp["schema"]
            if "$ref" in schema:
                name = ref_name(schema["$ref"])
                if schema["$ref"].startswith("#/components/schemas/"):
                    return SKIPPED_SCHEMAS.get(name) or self.schema_names[name]
                raise SystemExit("unsupported response schema $ref " + schema["$ref"])
            items = schema.get("items") if schema.get("type") == "array" else None
            if isinstance(items, dict) and items.get("$ref", "").startswith("#/components/schemas/"):
                name = ref_name(items["$ref"])
                return "[%s]" % (SKIPPED_SCHEMAS.get(name) or self.schema_names[name])
            if response_key is not None:
                return self.response_names[response_key]
            return base + "Response"
        return None

    def generate_registry(self):
        lines = [
            "/// The Swift type of every schema and every JSON success response of the spec, for tests that check",
            "/// the generated models against the spec itself.",
            "internal enum ModelRegistry {",
            "    /// Component schema name, exactly as in the spec -> the generated type (the hand-written",
            "    /// error schemas %s are not listed)." % ", ".join("`%s`" % n for n in sorted(SKIPPED_SCHEMAS)),
            "    static let schemas: [String: any (Codable & Sendable).Type] = [",
        ]
        for schema_name, name in self.schema_names.items():
            lines.append("        %s: %s.self," % (swift_string(schema_name), name))
        lines += [
            "    ]",
            "",
            "    /// operationId -> the type its 200/201 JSON response body decodes into.",
            "    static let operationResponses: [String: any (Codable & Sendable).Type] = [",
        ]
        count = 0
        for _, _, op, _ in self.operations():
            type_expr = self.success_response_type(op)
            if type_expr is None:
                continue
            lines.append("        %s: %s.self," % (swift_string(op["operationId"]), type_expr))
            count += 1
        lines += ["    ]", "}"]
        self.write("Models/Generated/ModelRegistry+Generated.swift", lines)
        return len(self.schema_names), count

    # ---------------------------------------------------------------------------------------------------------
    # Endpoints

    def generate_endpoints(self):
        entries = []
        names = set()
        for path, method, op, _ in self.operations():
            op_id = op["operationId"]
            static = op_id[0].lower() + op_id[1:]
            if static in names or static in SWIFT_KEYWORDS or static == "all":
                raise SystemExit("endpoint name clash: " + static)
            names.add(static)
            entries.append((static, op_id, method.upper(), path))
        lines = ["extension Endpoint {"]
        for static, op_id, method, path in entries:
            lines.append("    /// `%s %s` (`%s`)." % (method, path, op_id))
            lines.append("    public static let %s = Endpoint(operationID: %s, method: %s, path: %s)"
                         % (static, swift_string(op_id), swift_string(method), swift_string(path)))
        lines.append("")
        lines.append("    /// Every operation of the spec, in spec order.")
        lines.append("    public static let all: [Endpoint] = [")
        for static, _, _, _ in entries:
            lines.append("        .%s," % static)
        lines.append("    ]")
        lines.append("}")
        text = self.header + "\n" + "\n".join(lines) + "\n"
        return text, len(entries)

    # ---------------------------------------------------------------------------------------------------------
    # Examples (for the decode check)

    def collect_examples(self, schema, props, qualified):
        assembled = {}
        complete = True
        missing = []
        checks_before = len(self.checks)
        for p in props:
            ps = p.schema if isinstance(p.schema, dict) else {}
            example = None
            found = False
            for source in (ps, self.spec.deref(ps)):
                if "example" in source:
                    example, found = source["example"], True
                    break
            if found:
                self.checks.append(("%s.%s" % (qualified, p.json_name), p.qualified_type, json.dumps(example)))
                assembled[p.json_name] = example
                continue
            # A single-value enum is a constant the spec fixes; use it to complete an assembled object.
            constant = [v for v in self.spec.deref(ps).get("enum") or [] if v is not None]
            if len(constant) == 1:
                assembled[p.json_name] = constant[0]
            elif not p.optional:
                complete = False
                missing.append(p.json_name)
        has_examples = any(k != "object" for k in assembled) and len(self.checks) > checks_before
        if has_examples and not complete:
            self.unassembled.append((qualified, missing))
        if has_examples and complete:
            self.checks.append(("%s (assembled from property examples)" % qualified, qualified,
                                json.dumps(assembled)))
            self.assembled += 1

    def examples_program(self):
        lines = [
            self.header.rstrip(),
            "// Decode check of the spec's examples. Not part of the package.",
            "import Foundation",
            "",
            "nonisolated(unsafe) var passed = 0",
            "nonisolated(unsafe) var failed = 0",
            "func check<T: Decodable>(_ label: String, _ type: T.Type, _ json: String) {",
            "    do {",
            "        _ = try JSONDecoder().decode(T.self, from: Data(json.utf8))",
            "        passed += 1",
            "    } catch {",
            "        failed += 1",
            "        print(\"FAIL \\(label) as \\(T.self): \\(error)\")",
            "    }",
            "}",
            "",
        ]
        for label, type_expr, json_text in self.checks:
            lines.append("check(%s, (%s).self, %s)" % (swift_string(label), type_expr, swift_string(json_text)))
        lines.append("")
        lines.append('print("examples decoded: \\(passed), failed: \\(failed)")')
        lines.append("exit(failed == 0 ? 0 : 1)")
        return "\n".join(lines) + "\n"


def check_hand_written(gen):
    """Fails if a generated file or top-level type would clash with a hand-written one of the module.

    Swift refuses two files with the same name in one module, and two top-level types with the same name.
    """
    base = os.path.join(ROOT, "Sources", "ClerkBackend")
    generated_names = {os.path.basename(r) for r in gen.files} | {os.path.basename(ENDPOINTS_FILE)}
    generated_types = set()
    for text in gen.files.values():
        generated_types |= set(re.findall(r"^public (?:struct|enum|typealias) (\w+)", text, re.M))
    problems = []
    for directory, _, names in os.walk(base):
        if os.path.abspath(directory).startswith(os.path.abspath(MODELS_DIR)):
            continue
        for file_name in names:
            full = os.path.join(directory, file_name)
            if not file_name.endswith(".swift") or os.path.abspath(full) == os.path.abspath(ENDPOINTS_FILE):
                continue
            if file_name in generated_names:
                problems.append("file name %s is also generated" % os.path.relpath(full, ROOT))
            with open(full, encoding="utf-8") as f:
                text = f.read()
            for declared in re.findall(r"^(?:public |internal |package )?(?:final )?(?:struct|enum|class|actor|"
                                       r"protocol|typealias) (\w+)", text, re.M):
                if declared in generated_types:
                    problems.append("type %s of %s is also generated" % (declared, os.path.relpath(full, ROOT)))
    if problems:
        raise SystemExit("generate-models.py: clashes with hand-written code:\n  " + "\n  ".join(problems))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=DEFAULT_SPEC)
    parser.add_argument("--examples-check", metavar="DIR",
                        help="also write DIR/main.swift decoding the spec's examples (outside the repo)")
    args = parser.parse_args()

    with open(args.spec, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    gen = Generator(Spec(data), os.path.basename(args.spec))
    gen.generate_schemas()
    gen.generate_responses()
    op_files = gen.generate_operations()
    registry_schemas, registry_operations = gen.generate_registry()
    endpoints_text, endpoint_count = gen.generate_endpoints()

    check_hand_written(gen)

    if os.path.isdir(MODELS_DIR):
        shutil.rmtree(MODELS_DIR)
    if os.path.exists(ENDPOINTS_FILE):
        os.remove(ENDPOINTS_FILE)
    base = os.path.join(ROOT, "Sources", "ClerkBackend")
    for rel, text in sorted(gen.files.items()):
        full = os.path.join(base, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    with open(ENDPOINTS_FILE, "w", encoding="utf-8") as f:
        f.write(endpoints_text)

    model_files = sum(1 for r in gen.files if r.count("/") == 2) - 1  # minus the registry
    response_files = sum(1 for r in gen.files if r.startswith("Models/Generated/Responses/"))
    print("model files: %d" % model_files)
    print("response files: %d" % response_files)
    print("operation files: %d" % op_files)
    print("endpoints: %d" % endpoint_count)
    print("registry: %d schemas, %d operation responses" % (registry_schemas, registry_operations))

    if args.examples_check:
        os.makedirs(args.examples_check, exist_ok=True)
        with open(os.path.join(args.examples_check, "main.swift"), "w", encoding="utf-8") as f:
            f.write(gen.examples_program())
        print("examples: %d checks (%d assembled objects) written to %s"
              % (len(gen.checks), gen.assembled, os.path.join(args.examples_check, "main.swift")))
        for qualified, missing in gen.unassembled:
            print("  not assembled: %s (required without example: %s)" % (qualified, ", ".join(missing)))


if __name__ == "__main__":
    main()
