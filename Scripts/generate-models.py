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
* Sources/ClerkBackend/Resources/Generated/<Resource>API+Generated.swift
                                                                 one typed method per operation not written by
                                                                 hand (names from Scripts/bapi-operations.tsv)
* Tests/ClerkBackendTests/Resources/OperationCalls+Generated.swift
                                                                 a call of every generated method, for the
                                                                 operation-coverage test
* Tests/ClerkBackendTests/Fixtures/operation-fixtures.json      per operation: a request body and a response
                                                                 with every property set, built from the
                                                                 schemas and their examples

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

# Swift names of schemas whose spec name says nothing (`CommercePlan-2` beside `CommercePlan`): what sets them apart.
SCHEMA_TYPE_NAMES = {
    "CommercePlan-2": "CommercePlanWithAmounts",
    "CommerceSubscriptionItem-2": "CommerceSubscriptionItemWithPaymentSource",
    "CommercePayerResponse-2": "CommerceCompletePayerResponse",
    "CommerceTotalsResponse-2": "CommerceTotalsWithBillingDiscountsResponse",
    "FeatureResponse-2": "CompleteFeatureResponse",
}

# Members that an open-enum struct already has.
OPEN_ENUM_RESERVED = {"rawValue", "description", "hashValue", "init", "self", "Type"}

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# --------------------------------------------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------------------------------------------

def split_words(name):
    return [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]


# Acronyms Swift names spell in one case (`userID`, `apiURL`, `SAMLConnection`), never `userId` or `Saml`.
ACRONYMS = {"Id": "ID", "Ids": "IDs", "Url": "URL", "Urls": "URLs", "Api": "API", "Apis": "APIs",
            "Oauth": "OAuth", "Saml": "SAML", "Jwt": "JWT", "Jwts": "JWTs", "Jwks": "JWKS", "M2m": "M2M",
            "Http": "HTTP"}
# A mixed-case acronym: a capitalised word (after a lowercase letter or a digit, or at the start of a type
# name) that ends the identifier or is followed by the next word. `IdP` (identity provider) keeps its case.
ACRONYM_WORD = re.compile(r"(?:(?<=[a-z0-9])|^)(%s)(?=[A-Z0-9_]|$)(?!(?<=Id)P)" % "|".join(
    sorted(ACRONYMS, key=len, reverse=True)))


def swift_acronyms(identifier):
    """`userId` -> `userID`, `getApiKey` -> `getAPIKey`, `VerificationOauth` -> `VerificationOAuth`."""
    return ACRONYM_WORD.sub(lambda m: ACRONYMS[m.group(1)], identifier)


def type_name(name):
    """`CommercePlan-2` -> `CommercePlan2`, `JWKS.rsa.PublicKey` -> `JWKSRsaPublicKey`, `user_id` -> `UserID`."""
    parts = split_words(name)
    result = swift_acronyms("".join(p[0].upper() + p[1:] for p in parts))
    if not result:
        result = "Value"
    if result[0].isdigit():
        result = "_" + result
    return result


def camel(name):
    """`user_id` -> `userID`, `web3_wallets` -> `web3Wallets`, `x5t#S256` -> `x5tS256` (mechanical)."""
    parts = split_words(name)
    if not parts:
        return "value"
    first = parts[0].lower() if parts[0].isupper() or parts[0].islower() else parts[0][0].lower() + parts[0][1:]
    result = swift_acronyms(first + "".join(p[0].upper() + p[1:] for p in parts[1:]))
    if result[0].isdigit():
        result = "_" + result
    return result


def property_name(json_name):
    if json_name == "public":
        return "isPublic"
    return camel(json_name)


def operation_type_base(op_id):
    """Prefix of an operation's Body/Query/Response types: `createApiKey` -> `CreateAPIKey`."""
    return swift_acronyms(op_id[0].upper() + op_id[1:])


def endpoint_name(op_id):
    """`Endpoint` constant of an operation: `GetOAuthApplication` -> `getOAuthApplication`."""
    return swift_acronyms(op_id[0].lower() + op_id[1:])


def escape(identifier):
    return "`%s`" % identifier if identifier in SWIFT_KEYWORDS else identifier


def lower_camel_type(name):
    """Lower-camel of a type name, lowering a leading acronym: `SAMLConnection` -> `samlConnection`,
    `OAuth` -> `oauth`."""
    for acronym in sorted(ACRONYMS.values(), key=len, reverse=True):
        if name.startswith(acronym) and re.match(r"[A-Z0-9_]|$", name[len(acronym):]):
            return acronym.lower() + name[len(acronym):]
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


def identical_schemas(spec):
    """Schemas that are the same as an earlier one once descriptions and examples are set aside (`CommercePerUnitTotal-2`
    and `CommercePerUnitTotal`): name -> the earlier schema's name. They share one Swift type."""
    alias = {}

    def canonical(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in ("description", "example", "examples", "title"):
                    continue
                if key == "$ref" and value.startswith("#/components/schemas/"):
                    target = ref_name(value)
                    out[key] = alias.get(target, target)
                else:
                    out[key] = canonical(value)
            return out
        if isinstance(node, list):
            return [canonical(x) for x in node]
        return node

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
        self.aliases = identical_schemas(spec)
        for name in spec.schemas:
            if name in SKIPPED_SCHEMAS or name in self.aliases:
                continue
            self.schema_names[name] = self.top_level_name(name)
        self.top_level = set(self.schema_names.values())
        if len(self.top_level) != len(self.schema_names):
            raise SystemExit("schema type names clash")
        for name, target in self.aliases.items():
            self.schema_names[name] = self.schema_names[target]
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
        if schema_name in SCHEMA_TYPE_NAMES:
            return SCHEMA_TYPE_NAMES[schema_name]
        name = type_name(schema_name)
        if re.search(r"-\d+$", schema_name):
            raise SystemExit("schema %s needs a name in SCHEMA_TYPE_NAMES (a numbered type says nothing)" % schema_name)
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
            if schema_name in self.aliases:
                continue
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
            base = operation_type_base(op_id)
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
        # Non-deprecated parameters get the plain names; a deprecated one that would clash gets a `Deprecated`
        # suffix (`frontendApi` of `frontend_api` vs the deprecated `frontendApi`).
        plain = {camel(p["name"]) for p in params if not p.get("deprecated")}
        for p in params:
            schema = p.get("schema") or {}
            swift = camel(p["name"])
            if p.get("deprecated") and swift in plain:
                swift += "Deprecated"
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
        base = operation_type_base(op["operationId"])
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
            static = endpoint_name(op_id)
            if static in names or static in SWIFT_KEYWORDS or static == "all":
                raise SystemExit("endpoint name clash: " + static)
            names.add(static)
            entries.append((static, op_id, method.upper(), path))
        lines = ["import HTTPTypes", "", "extension Endpoint {"]
        for static, op_id, method, path in entries:
            lines.append("    /// `%s %s` (`%s`)." % (method, path, op_id))
            lines.append("    public static let %s = Endpoint(operationID: %s, method: .%s, path: %s)"
                         % (static, swift_string(op_id), method.lower(), swift_string(path)))
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


# --------------------------------------------------------------------------------------------------------------
# Resources: one typed method per operation
# --------------------------------------------------------------------------------------------------------------

OPERATIONS_TSV = os.path.join(ROOT, "Scripts", "bapi-operations.tsv")
RESOURCES_DIR = os.path.join(ROOT, "Sources", "ClerkBackend", "Resources", "Generated")
TEST_CALLS_FILE = os.path.join(ROOT, "Tests", "ClerkBackendTests", "Resources", "OperationCalls+Generated.swift")
TEST_FIXTURES_FILE = os.path.join(ROOT, "Tests", "ClerkBackendTests", "Fixtures", "operation-fixtures.json")

# The ClerkClient property (JS `clerkClient.<name>`) of operations the JS SDK has no method for, by spec tag.
TAG_RESOURCES = {
    "Admin Portal Link Tokens": "adminPortalLinkTokens",
    "Beta Features": "betaFeatures",
    "Billing": "billing",
    "Directories": "directories",
    "Email & SMS Templates": "templates",
    "Email Addresses": "emailAddresses",
    "Enterprise Connections": "enterpriseConnections",
    "Instance Settings": "instance",
    "Miscellaneous": "interstitial",
    "OAuth Applications": "oauthApplications",
    "Organization Domains": "organizations",
    "Organization Invitations": "organizations",
    "Organizations": "organizations",
    "Phone Numbers": "phoneNumbers",
    "SCIM Directories": "scimDirectories",
    "Users": "users",
}

# ClerkClient property -> (API struct name, what it is for). Resources declared by hand are marked True.
RESOURCE_INFO = {
    "actorTokens": ("ActorTokensAPI", "Actor tokens: let an actor (for example a support agent) impersonate a user.", False),
    "adminPortalLinkTokens": ("AdminPortalLinkTokensAPI", "Link tokens that open the admin portal.", False),
    "agentTasks": ("AgentTasksAPI", "Agent tasks: sign-in tasks created for AI agents acting on behalf of a user.", False),
    "allowlistIdentifiers": ("AllowlistIdentifiersAPI", "The allowlist: identifiers allowed to sign up.", False),
    "apiKeys": ("APIKeysAPI", "API keys issued to users and organizations.", False),
    "betaFeatures": ("BetaFeaturesAPI", "Beta features: instance auth configuration and production domain changes.", False),
    "billing": ("BillingAPI", "Billing: plans, prices, subscriptions and their items, statements and payment attempts.", False),
    "blocklistIdentifiers": ("BlocklistIdentifiersAPI", "The blocklist: identifiers refused at sign-up.", False),
    "clients": ("ClientsAPI", "Clients: the devices and browsers users sign in from.", False),
    "directories": ("DirectoriesAPI", "Directory sync connections and their group-to-role mappings.", False),
    "domains": ("DomainsAPI", "The instance's domains (primary and satellites).", False),
    "emailAddresses": ("EmailAddressesAPI", "Email addresses of users.", False),
    "enterpriseConnections": ("EnterpriseConnectionsAPI", "Enterprise (SAML and OIDC) connections and their test runs.", False),
    "idPOAuthAccessToken": ("IdPOAuthAccessTokenAPI", "OAuth access tokens issued by Clerk as an identity provider.", False),
    "instance": ("InstanceAPI", "Instance settings, restrictions, organization settings, communication and protection.", False),
    "interstitial": ("InterstitialAPI", None, True),
    "invitations": ("InvitationsAPI", "Invitations to sign up for the application.", False),
    "jwks": ("JWKSAPI", "The instance's JSON Web Key Set.", False),
    "jwtTemplates": ("JWTTemplatesAPI", "JWT templates for custom session tokens.", False),
    "m2m": ("M2MTokensAPI", "Machine-to-machine tokens.", False),
    "machines": ("MachinesAPI", "Machines (for machine-to-machine authentication), their scopes and secret keys.", False),
    "oauthApplications": ("OAuthApplicationsAPI", "OAuth applications for which Clerk is the identity provider.", False),
    "organizationPermissions": ("OrganizationPermissionsAPI", "Custom organization permissions.", False),
    "organizationRoles": ("OrganizationRolesAPI", "Custom organization roles and their permissions.", False),
    "organizations": ("OrganizationsAPI", "Organizations, their memberships, invitations, domains, metadata and logo.", False),
    "phoneNumbers": ("PhoneNumbersAPI", "Phone numbers of users.", False),
    "proxyChecks": ("ProxyChecksAPI", "Checks of a Frontend API proxy configuration.", False),
    "redirectURLs": ("RedirectURLsAPI", "Redirect URLs allowed for native and mobile applications.", False),
    "roleSets": ("RoleSetsAPI", "Role sets: the roles organizations can use.", False),
    "samlConnections": ("SAMLConnectionsAPI", "SAML connections (deprecated in favour of enterprise connections).", False),
    "scimDirectories": ("SCIMDirectoriesAPI", "SCIM directories and their group-to-role mappings.", False),
    "sessions": ("SessionsAPI", None, True),
    "signInTokens": ("SignInTokensAPI", "Sign-in tokens: one-time links that sign a user in.", False),
    "signUps": ("SignUpsAPI", "Sign-up attempts.", False),
    "templates": ("TemplatesAPI", "Email and SMS templates (deprecated in the Backend API).", False),
    "testingTokens": ("TestingTokensAPI", "Testing tokens that let test suites bypass bot protection.", False),
    "users": ("UsersAPI", None, True),
    "waitlistEntries": ("WaitlistEntriesAPI", "The waitlist.", False),
    "webhooks": ("WebhooksAPI", "The Svix application behind the instance's webhooks.", False),
}

# Swift method names of operations the JS SDK lacks, where the operationId does not read well on its resource.
METHOD_NAMES = {
    "createAdminPortalLinkToken": "create",
    "revokeAdminPortalLinkToken": "revoke",
    "GetBillingPriceList": "getPriceList",
    "CreateBillingPrice": "createPrice",
    "GetBillingStatementList": "getStatementList",
    "GetBillingStatement": "getStatement",
    "GetBillingStatementPaymentAttempts": "getStatementPaymentAttemptList",
    "GetCommerceSubscriptionItemList": "getSubscriptionItemList",
    "ApplyBillingSubscriptionItemDiscount": "applySubscriptionItemDiscount",
    "RemoveBillingSubscriptionItemDiscount": "removeSubscriptionItemDiscount",
    "CreateBillingPriceTransition": "createPriceTransition",
    "ListDirectories": "getDirectoryList",
    "ListDirectoryGroupRoleMappings": "getDirectoryGroupRoleMappingList",
    "ListSCIMDirectories": "getSCIMDirectoryList",
    "ListSCIMGroupRoleMappings": "getSCIMGroupRoleMappingList",
    "ListEnterpriseConnectionTestRuns": "getEnterpriseConnectionTestRunList",
    "GetInstanceCommunication": "getCommunication",
    "UpdateInstanceCommunication": "updateCommunication",
    "GetInstanceOAuthApplicationSettings": "getOAuthApplicationSettings",
    "UpdateInstanceOAuthApplicationSettings": "updateOAuthApplicationSettings",
    "GetInstanceProtect": "getProtect",
    "UpdateInstanceProtect": "updateProtect",
    "ListAllOrganizationDomains": "getInstanceOrganizationDomainList",
    "ListInstanceOrganizationInvitations": "getInstanceOrganizationInvitationList",
    "ListPendingOrganizationInvitations": "getPendingOrganizationInvitationList",
    "UploadOAuthApplicationLogo": "uploadLogo",
}

# Operations written by hand (Resources/*.swift), not generated: the Users and Sessions APIs, multipart uploads
# and the HTML interstitial.
HAND_WRITTEN_RESOURCES = {"users", "sessions"}
HAND_WRITTEN_OPERATIONS = {"UploadOrganizationLogo", "UploadOAuthApplicationLogo", "GetPublicInterstitial"}

# Deprecated operations: what to use instead.
DEPRECATIONS = {
    "GetClientList": "Clerk is removing GET /clients; look clients up one by one with getClient(_:) or verifyClient(_:)",
    "GetTemplateList": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "GetTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "UpsertTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "RevertTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "PreviewTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "ToggleTemplateDelivery": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "UpdateProductionInstanceDomain": "Use betaFeatures.changeProductionInstanceDomain(_:)",
    "ListPendingOrganizationInvitations": "Use getOrganizationInvitationList(_:query:) with status pending",
    "ListSAMLConnections": "Use enterpriseConnections.getEnterpriseConnectionList(_:)",
    "CreateSAMLConnection": "Use enterpriseConnections.createEnterpriseConnection(_:)",
    "GetSAMLConnection": "Use enterpriseConnections.getEnterpriseConnection(_:)",
    "UpdateSAMLConnection": "Use enterpriseConnections.updateEnterpriseConnection(_:_:)",
    "DeleteSAMLConnection": "Use enterpriseConnections.deleteEnterpriseConnection(_:)",
}

# Resources whose calls authenticate with the machine secret key when one is configured (as `@clerk/backend`).
MACHINE_KEY_RESOURCES = {"m2m"}

VERB_THIRD_PERSON = {
    "List": "Lists", "Get": "Gets", "Retrieve": "Fetches", "Create": "Creates", "Update": "Updates",
    "Delete": "Deletes", "Revoke": "Revokes", "Verify": "Verifies", "Add": "Adds", "Remove": "Removes",
    "Replace": "Replaces", "Merge": "Merges", "Rotate": "Rotates", "Upload": "Uploads", "Ban": "Bans",
    "Unban": "Unbans", "Lock": "Locks", "Unlock": "Unlocks", "Invite": "Invites", "Reject": "Rejects",
    "Assign": "Assigns", "Set": "Sets", "Unset": "Unsets", "Extend": "Extends", "Cancel": "Cancels",
    "Apply": "Applies", "Change": "Changes", "Toggle": "Toggles", "Preview": "Previews", "Revert": "Reverts",
    "Generate": "Generates", "Attempt": "Attempts", "Prepare": "Prepares", "Returns": "Returns",
    "Adjust": "Adjusts", "Fetch": "Fetches", "Bulk": "Bulk", "Refresh": "Refreshes", "Upsert": "Updates",
    "Mark": "Marks", "Send": "Sends", "Disable": "Disables", "Enable": "Enables", "Check": "Checks", "Lists": "Lists",
}


def third_person(summary):
    """`Create and send an invitation` -> `Creates and sends an invitation.` (the spec's summaries are imperative)."""
    summary = (summary or "").strip().rstrip(".")
    if not summary:
        return None
    words = summary.split(" ")
    suffix = ""
    if words[0] == "Bulk" and len(words) > 1:
        words = [words[1].capitalize()] + words[2:]
        suffix = " in bulk"
    if words[0] not in VERB_THIRD_PERSON:
        return summary + "."
    words[0] = VERB_THIRD_PERSON[words[0]]
    for i in range(1, len(words) - 1):
        if words[i] in ("and", "or") and words[i + 1].capitalize() in VERB_THIRD_PERSON:
            words[i + 1] = VERB_THIRD_PERSON[words[i + 1].capitalize()].lower()
    return " ".join(words) + suffix + "."


class ResourceMethod:
    def __init__(self, op_id, method, path, resource, name):
        self.op_id = op_id
        self.method = method
        self.path = path
        self.resource = resource
        self.name = name


def synthesize(gen, schema, depth=0, json_name=None, refs=()):
    """A JSON value that fits `schema`, with every property set (property examples where the spec has them).

    A schema already being expanded on the current path (a cycle) is left out, as is anything nested deeper
    than 40 levels."""
    if depth > 40:
        return None
    if isinstance(schema, dict) and "$ref" in schema:
        if schema["$ref"] in refs:
            return None
        return synthesize(gen, gen.spec.deref(schema), depth + 1, json_name, refs + (schema["$ref"],))
    if not isinstance(schema, dict) or schema == {}:
        return {"key": "value"}
    if "example" in schema and schema.get("type") in ("string", "integer", "number", "boolean") \
            and not schema.get("enum"):
        example = schema["example"]
        kind = schema.get("type")
        if (kind == "string" and isinstance(example, str)) or \
                (kind == "integer" and isinstance(example, int) and not isinstance(example, bool)) or \
                (kind == "number" and isinstance(example, (int, float)) and not isinstance(example, bool)) or \
                (kind == "boolean" and isinstance(example, bool)):
            return example
    if schema.get("enum"):
        values = [v for v in schema["enum"] if v is not None]
        return values[0] if values else None
    comb, variants = gen.meaningful_variants(schema)
    if variants and not schema.get("properties"):
        return synthesize(gen, variants[0], depth + 1, json_name, refs)
    if schema.get("properties") or schema.get("allOf"):
        props, _ = gen.merged_object(schema)
        result = {}
        for name, prop in props.items():
            value = synthesize(gen, prop, depth + 1, name, refs)
            if value is not None:
                result[name] = value
        return result
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = [k for k in kind if k != "null"][0]
    if kind == "array":
        item = synthesize(gen, schema.get("items") or {}, depth + 1, json_name, refs)
        return [] if item is None else [item]
    if kind == "object":
        return {"key": "value"}
    if kind == "integer":
        if json_name and json_name.endswith("_at"):
            return 1767225600000
        return 1
    if kind == "number":
        # Counts the spec types as `number` (`total_count` of GET /api_keys) are whole numbers on the wire.
        return 3 if json_name in ("total_count", "limit", "offset") else 2.5
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2026-01-01T00:00:00Z"
        if fmt == "date":
            return "2026-01-01"
        if fmt in ("uri", "url"):
            return "https://example.com/path"
        if fmt == "email":
            return "user@example.com"
        return "sample-%s" % (json_name or "value")
    return {"key": "value"}


def generate_resources(gen):
    """Writes Resources/Generated/*.swift, the generated half of the operation-coverage test, and its fixtures."""
    with open(OPERATIONS_TSV, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    header, rows = rows[0], rows[1:]
    index = {name: i for i, name in enumerate(header)}
    assignments = {}
    for row in rows:
        op_id = row[index["operationId"]]
        resource = row[index["js_resource"]]
        js_method = row[index["js_method"]]
        if resource == "-":
            resource = TAG_RESOURCES[row[index["tag"]]]
            js_method = METHOD_NAMES.get(op_id) or (op_id[0].lower() + op_id[1:])
        assignments[op_id] = (swift_acronyms(resource), swift_acronyms(js_method))

    by_resource = {}
    fixtures = {}
    calls = []
    spec_ops = {}
    for path, method, op, common in gen.operations():
        op_id = op["operationId"]
        spec_ops[op_id] = (path, method, op, common)
        if op_id not in assignments:
            raise SystemExit("operation %s is missing from %s" % (op_id, OPERATIONS_TSV))
        fixtures[op_id] = operation_fixture(gen, op)
    if set(assignments) != set(spec_ops):
        raise SystemExit("bapi-operations.tsv and the spec disagree: %s"
                         % sorted(set(assignments) ^ set(spec_ops)))

    for op_id, (path, method, op, common) in spec_ops.items():
        resource, name = assignments[op_id]
        if resource in HAND_WRITTEN_RESOURCES or op_id in HAND_WRITTEN_OPERATIONS:
            continue
        decl, call = method_lines(gen, op_id, path, method, op, common, resource, name, fixtures[op_id])
        by_resource.setdefault(resource, []).append(decl)
        calls.append((op_id in DEPRECATIONS, call))

    files = {}
    for resource in sorted(by_resource):
        struct, doc, hand_declared = RESOURCE_INFO[resource]
        lines = []
        if not hand_declared:
            lines += [
                "extension ClerkClient {",
                "    /// %s" % doc,
                "    public var %s: %s { %s(client: self) }" % (resource, struct, struct),
                "}",
                "",
                "/// %s" % doc,
                "///",
                "/// `clerkClient.%s` in `@clerk/backend`. Ids are sent as single percent-encoded path segments." % resource,
                "public struct %s: Sendable {" % struct,
                "    let client: ClerkClient",
                "}",
                "",
            ]
        lines.append("extension %s {" % struct)
        for i, decl in enumerate(by_resource[resource]):
            if i:
                lines.append("")
            lines += ["    " + l if l else "" for l in decl]
        lines.append("}")
        text = gen.header + "\n" + "\n".join(lines) + "\n"
        files[os.path.join(RESOURCES_DIR, "%s+Generated.swift" % struct)] = text

    test_lines = [
        "@testable import ClerkBackend",
        "",
        "extension OperationCall {",
        "    /// One call of every generated resource method, with the fixture's body and sample path values.",
        "    static func generated() -> [OperationCall] {",
        "        var calls: [OperationCall] = []",
    ]
    for deprecated, call in calls:
        if not deprecated:
            test_lines += ["        " + l for l in call]
    test_lines += [
        "        // Through the protocol, so that calling the deprecated methods on purpose does not warn.",
        "        calls += (DeprecatedOperationCalls.self as any DeprecatedOperationCallsProvider.Type).calls()",
        "        return calls",
        "    }",
        "}",
        "",
        "protocol DeprecatedOperationCallsProvider {",
        "    static func calls() -> [OperationCall]",
        "}",
        "",
        "/// The calls of the methods of operations the spec deprecates.",
        "enum DeprecatedOperationCalls: DeprecatedOperationCallsProvider {",
        "    @available(*, deprecated, message: \"calls deprecated operations on purpose\")",
        "    static func calls() -> [OperationCall] {",
        "        var calls: [OperationCall] = []",
    ]
    for deprecated, call in calls:
        if deprecated:
            test_lines += ["        " + l for l in call]
    test_lines += ["        return calls", "    }", "}"]
    files[TEST_CALLS_FILE] = gen.header + "\n".join(test_lines) + "\n"
    files[TEST_FIXTURES_FILE] = json.dumps(fixtures, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return files, len(calls)


def operation_fixture(gen, op):
    fixture = {}
    body = op.get("requestBody")
    if body:
        body = gen.spec.deref(body)
        json_body = (body.get("content") or {}).get("application/json")
        if json_body and "schema" in json_body:
            fixture["body"] = synthesize(gen, json_body["schema"])
    for code in ("200", "201", "202", "204"):
        response = (op.get("responses") or {}).get(code)
        if response is None:
            continue
        response = gen.spec.deref(response)
        json_resp = (response.get("content") or {}).get("application/json")
        fixture["status"] = int(code)
        if json_resp and "schema" in json_resp:
            fixture["response"] = synthesize(gen, json_resp["schema"])
        break
    return fixture


def swift_type_of_body(gen, op):
    """(type expression, whether it can default to an empty value, is array) of the JSON body, or None."""
    body = op.get("requestBody")
    if not body:
        return None
    body = gen.spec.deref(body)
    json_body = (body.get("content") or {}).get("application/json")
    if not json_body or "schema" not in json_body:
        return None
    schema = json_body["schema"]
    base = operation_type_base(op["operationId"])
    if "$ref" in schema:
        type_expr = gen.schema_names[ref_name(schema["$ref"])]
    else:
        type_expr = base + "Body"
    target = gen.spec.deref(schema)
    defaultable = False
    if target.get("properties") or target.get("allOf"):
        props = gen.build_properties(target, [type_expr], [], "")
        defaultable = all(p.optional for p in props)
    return type_expr, defaultable, target.get("type") == "array"


def query_info(gen, op, common):
    params = []
    for p in list(common) + list(op.get("parameters") or []):
        p = gen.spec.deref(p)
        if p.get("in") == "query":
            params.append(p)
    if not params:
        return None
    base = operation_type_base(op["operationId"])
    required = [p for p in params if p.get("required")]
    return base + "Query", params, required


def sample_swift_value(gen, schema, name):
    schema = gen.spec.deref(schema or {})
    kind = schema.get("type")
    if kind == "array":
        return "[%s]" % sample_swift_value(gen, schema.get("items"), name)
    if kind == "integer":
        return "1"
    if kind == "boolean":
        return "true"
    return swift_string("sample-" + name)


def list_element(gen, op, type_expr):
    """For `{data: [X], total_count}` responses, the Swift type X; else None."""
    for code in ("200", "201"):
        response = (op.get("responses") or {}).get(code)
        if response is None:
            continue
        response = gen.spec.deref(response)
        json_resp = (response.get("content") or {}).get("application/json")
        if not json_resp or "schema" not in json_resp:
            return None
        schema = gen.spec.deref(json_resp["schema"])
        props = schema.get("properties") or {}
        if set(props) != {"data", "total_count"}:
            return None
        items = (props["data"] or {}).get("items") or {}
        if "$ref" in items:
            return gen.schema_names[ref_name(items["$ref"])]
        file_text = None
        for rel, text in gen.files.items():
            if re.search(r"^public struct %s: " % re.escape(type_expr), text, re.M):
                file_text = text
                break
        if file_text is None:
            return None
        match = re.search(r"^    public var data: \[(\w+)\]", file_text, re.M)
        return "%s.%s" % (type_expr, match.group(1)) if match else None
    return None


def method_lines(gen, op_id, path, method, op, common, resource, name, fixture):
    endpoint = endpoint_name(op_id)
    path_names = re.findall(r"\{([^}]+)\}", path)
    swift_path = [camel(n) for n in path_names]
    body = swift_type_of_body(gen, op)
    query = query_info(gen, op, common)
    response = gen.success_response_type(op)

    params = []      # declaration pieces
    call_args = []   # pieces of the test call
    labels = []
    if len(path_names) == 1:
        params.append("_ %s: String" % escape(swift_path[0]))
        call_args.append(swift_string("sample_" + path_names[0]))
        labels.append("_")
    else:
        for n, s in zip(path_names, swift_path):
            params.append("%s: String" % s)
            call_args.append("%s: %s" % (s, swift_string("sample_" + n)))
            labels.append(s)
    if body:
        type_expr, defaultable, _ = body
        params.append("_ params: %s%s" % (type_expr, " = %s()" % type_expr if defaultable else ""))
        call_args.append("try fixture.body(%s.self)" % type_expr)
        labels.append("_")
    paginated_bare = False
    if query:
        qtype, qparams, required = query
        label = "query" if (path_names or body) else "_ query"
        default = "" if required else " = %s()" % qtype
        params.append("%s: %s%s" % (label, qtype, default))
        if required:
            args = ", ".join("%s: %s" % (escape(camel(p["name"])), sample_swift_value(gen, p.get("schema"), p["name"]))
                             for p in required)
            value = "%s(%s)" % (qtype, args)
            call_args.append(("query: " if label == "query" else "") + value)
        labels.append("query" if label == "query" else "_")
        paginated_bare = any(p["name"] == "paginated" for p in qparams) and response and response.startswith("[")
    machine = resource in MACHINE_KEY_RESOURCES
    if machine:
        params.append("machineSecretKey: String? = nil")
        labels.append("machineSecretKey")

    # Return type and the expression that sends.
    element = list_element(gen, op, response) if response else None
    if paginated_bare:
        returns = "PaginatedResourceResponse<%s>" % response[1:-1]
    elif element:
        returns = "PaginatedResourceResponse<%s>" % element
    elif response:
        returns = response
    else:
        returns = None

    request_args = [".%s" % endpoint]
    if path_names:
        request_args.append("path: [%s]" % ", ".join(escape(s) for s in swift_path))
    pre = []
    if query:
        if paginated_bare:
            pre += ["var query = query", "if query.paginated == nil { query.paginated = true }"]
        request_args.append("query: query.queryItems")
    if body:
        request_args.append("json: params")
    if machine:
        request_args.append("authorization: machineSecretKey.map { .explicit(Secret($0)) } ?? .machineSecretKeyOrSecretKey")

    summary = third_person(op.get("summary")) or ("Calls %s." % op_id)
    doc = ["/// %s" % summary, "///", "/// `%s %s` (`%s`)." % (method.upper(), path, op_id)]
    if paginated_bare:
        doc += ["///", "/// Sends `paginated=true` unless `query.paginated` is set, and accepts both the paginated answer and",
                "/// the bare array the spec documents (`totalCount` is then the number of items)."]
    if machine:
        doc += ["///", "/// Authenticates with `machineSecretKey` when given, else the client's machine secret key when",
                "/// configured, else its secret key (as `@clerk/backend`)."]
    if path.startswith(("/api_keys", "/m2m_tokens", "/oauth_applications/access_tokens")):
        doc += ["///", "/// Sent under `/v1`, as the spec documents; `@clerk/backend` calls the same route without `/v1`."]
    if not returns:
        doc += ["///", "/// The API answers %s with no body." % ("202 Accepted" if "202" in (op.get("responses") or {}) else "204 No Content")]
    decl = list(doc)
    if op_id in DEPRECATIONS:
        decl.append("@available(*, deprecated, message: %s)" % swift_string(DEPRECATIONS[op_id]))
    signature = "public func %s(%s) async throws%s" % (name, ", ".join(params), " -> " + returns if returns else "")
    if len(signature) > 112:
        signature = "public func %s(\n%s\n) async throws%s" % (
            name, ",\n".join("    " + p for p in params), " -> " + returns if returns else "")
    request = "APIRequest(%s)" % ", ".join(request_args)
    decl += (signature + " {").split("\n")
    for line in pre:
        decl.append("    " + line)
    if body:
        request = "try " + request
    if returns:
        decl.append("    %stry await client.send(%s)" % ("return " if pre else "", request))
    else:
        decl.append("    _ = try await client.send(%s, as: EmptyResponse.self)" % request)
    decl.append("}")

    label = "%s.%s(%s)" % (resource, name, "".join(l + ":" for l in labels))
    call = [
        "calls.append(OperationCall(%s, %s%s) { clerk, fixture in"
        % (swift_string(op_id), swift_string(label), ", sendsFixtureBody: true" if body else ""),
        "    _ = try await clerk.%s.%s(%s)" % (resource, name, ", ".join(call_args)),
        "})",
    ]
    return decl, call


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
        if os.path.abspath(directory).startswith((os.path.abspath(MODELS_DIR), os.path.abspath(RESOURCES_DIR))):
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
    resource_files, method_count = generate_resources(gen)

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
    if os.path.isdir(RESOURCES_DIR):
        shutil.rmtree(RESOURCES_DIR)
    for full, text in sorted(resource_files.items()):
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)

    model_files = sum(1 for r in gen.files if r.count("/") == 2) - 1  # minus the registry
    response_files = sum(1 for r in gen.files if r.startswith("Models/Generated/Responses/"))
    print("model files: %d" % model_files)
    print("response files: %d" % response_files)
    print("operation files: %d" % op_files)
    print("endpoints: %d" % endpoint_count)
    print("generated resource methods: %d" % method_count)
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
