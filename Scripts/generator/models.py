"""The Swift model types, the operation bodies, queries and responses, the model registry and the endpoint table."""

import json
import os
import re

from .naming import *  # noqa: F401,F403
from .spec import *  # noqa: F401,F403
from .examples import ExamplesMixin
from .docs import member_doc, type_summary


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
    def __init__(self, json_name, swift_name, type_ref, optional, deprecated, is_epoch_ms, schema, required=False,
                 nullable=False):
        self.json_name = json_name
        self.required = required
        self.nullable = nullable
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


class Generator(ExamplesMixin):
    def __init__(self, spec, spec_file_name, webhooks_file_name=None):
        self.spec = spec
        self.spec_file_name = spec_file_name
        self.header = HEADER.format(spec=spec_file_name)
        self.webhooks_header = HEADER.format(spec=webhooks_file_name or spec_file_name)
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
        self.shared_inline = self.find_shared_inline()  # fingerprint -> (Swift type, generated here?)
        self.shared_written = set()
        self.checks = []  # (label, qualified swift type, json text)
        self.assembled = 0
        self.unassembled = []  # (type, required properties without example)
        self.warnings = []

    def find_shared_inline(self):
        """Fingerprints of the inline resource objects (``SHARED_INLINE_TYPES``) written out more than once in the
        operations' bodies and responses -> the one Swift type they get: a component schema of the same shape when
        there is one, else the table's name."""
        counts = {}

        def walk(node):
            if not isinstance(node, dict) or "$ref" in node:
                return
            if node.get("properties"):
                values = (node["properties"].get("object") or {}).get("enum") or []
                if len(values) == 1 and values[0] in SHARED_INLINE_TYPES:
                    key = json.dumps(canonical_schema(node), sort_keys=True)
                    counts[key] = (counts.get(key, (0, values[0]))[0] + 1, values[0])
                for value in node["properties"].values():
                    walk(value)
            walk(node.get("items"))
            for comb in ("allOf", "oneOf", "anyOf"):
                for part in node.get(comb) or []:
                    walk(part)

        for _, _, op, _ in self.operations():
            body = self.spec.deref(op.get("requestBody") or {})
            walk(((body.get("content") or {}).get("application/json") or {}).get("schema"))
            for code in ("200", "201"):
                response = (op.get("responses") or {}).get(code)
                if response and "$ref" not in response:
                    walk(((response.get("content") or {}).get("application/json") or {}).get("schema"))
        components = {json.dumps(canonical_schema(schema), sort_keys=True): name
                      for name, schema in self.spec.schemas.items() if name in self.schema_names}
        shared = {}
        for key, (count, value) in counts.items():
            if count < 2 and key not in components:
                continue
            if key in components:
                shared[key] = (self.schema_names[components[key]], False)
            else:
                name = SHARED_INLINE_TYPES[value]
                if name in self.top_level:
                    raise SystemExit("shared inline type %s clashes with a schema type" % name)
                self.top_level.add(name)
                shared[key] = (name, True)
        return shared

    def shared_inline_name(self, schema):
        """The shared type of an inline resource object written out in several operations (generated on first
        use), or None."""
        if not isinstance(schema, dict) or "$ref" in schema or not schema.get("properties"):
            return None
        entry = self.shared_inline.get(json.dumps(canonical_schema(schema), sort_keys=True))
        if entry is None:
            return None
        name, generate = entry
        if generate and name not in self.shared_written:
            self.shared_written.add(name)
            value = schema["properties"]["object"]["enum"][0]
            doc = ("The `%s` object of the Backend API, as its operations answer it (the spec writes it out in "
                   "each of them)." % value)
            self.write("Models/Generated/%s.swift" % name, self.struct_lines(schema, name, [name], doc))
        return name

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
            shared = self.shared_inline_name(schema)
            if shared:
                return TypeRef(shared)
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
                                   is_int and json_name.endswith("_at"), prop_schema,
                                   required=json_name in required, nullable=nullable))
        return result

    def struct_lines(self, schema, name, scope, doc, conformances="Codable, Hashable, Sendable"):
        nested = []
        owner_label = "`%s`" % ".".join(scope)
        props = self.build_properties(schema, scope, nested, owner_label)
        summary = type_summary(name, doc) if len(scope) == 1 else doc
        lines = ["/// %s" % l if l else "///" for l in summary.split("\n")]
        decl_conformances = conformances + (", TapeModel" if props and "Codable" in conformances else "")
        lines.append("public struct %s: %s {" % (name, decl_conformances))
        for p in props:
            deref = self.spec.deref(p.schema) if isinstance(p.schema, dict) else {}
            for doc_line in member_doc(
                p.json_name, deref, required=p.required, nullable=p.nullable, is_epoch_ms=p.is_epoch_ms,
                deprecated=p.deprecated, location="`%s.%s`" % (".".join(scope), p.json_name),
            ):
                lines.append("    /// " + doc_line if doc_line else "    ///")
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
            lines.extend(self.decoding_init_lines(props))
        for nested_name, nested_lines in nested:
            lines.append("")
            lines.extend("    " + l if l else "" for l in nested_lines)
        lines.append("}")
        self.collect_examples(schema, props, ".".join(scope))
        return lines

    def decoding_init_lines(self, props):
        """`init(from:)` through `ModelFields`: the calls a synthesized one makes, read straight from the parsed
        bytes when ClerkJSONDecoder's fast path decodes."""
        lines = [
            "",
            "    /// Decodes the value from its JSON object (straight from the parsed bytes under `ClerkJSONDecoder`).",
            "    public init(from decoder: any Decoder) throws {",
            "        try self.init(fields: ModelFields<CodingKeys>(decoder))",
            "    }",
            "",
            "    init(tape: JSONTape, object: Int) throws {",
            "        try self.init(fields: ModelFields<CodingKeys>(tape: tape, object: object))",
            "    }",
            "",
            "    private init(fields: ModelFields<CodingKeys>) throws {",
        ]
        for p in props:
            case = ("_" + p.swift_name) if p.deprecated else escape(p.swift_name)
            lines.append("        self.%s = try fields.%s(%s.self, .%s)" % (
                case, "decodeIfPresent" if p.optional else "decode", p.type.local, case))
        lines.append("    }")
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
        conformances = "Codable, Hashable, Sendable, TapeModel" if prop else "Codable, Hashable, Sendable"
        lines = ["/// %s" % doc, "public enum %s: %s {" % (name, conformances)]
        for case, t in zip(cases, type_refs):
            lines.append("    /// A `%s`." % t.local)
            lines.append("    case %s(%s)" % (escape(case), t.local))
        lines.append("    /// A shape this SDK does not know, kept as raw JSON.")
        lines.append("    case unknown(JSONValue)")
        lines.append("")
        lines.append("    public init(from decoder: any Decoder) throws {")
        if prop:
            # Under ClerkJSONDecoder the discriminator and the variant are read from the tape directly.
            lines.append("        if let tapeDecoder = decoder as? TapeDecoder {")
            lines.append("            try self.init(tape: tapeDecoder.tape, object: tapeDecoder.node)")
            lines.append("            return")
            lines.append("        }")
            lines.append("        let tag = try? decoder.container(keyedBy: DiscriminatorKey.self)")
            lines.append("            .decodeIfPresent(String.self, forKey: DiscriminatorKey(stringValue: %s))"
                         % swift_string(prop))
            # Each tag value goes to the first variant that claims it.
            tagged = []
            seen = set()
            for i, (case, t) in enumerate(zip(cases, type_refs)):
                values = [v for v in tags[i] if v not in seen]
                seen.update(values)
                if values:
                    tagged.append((", ".join(".some(%s)" % swift_string(v) for v in values), case, t))
            lines.append("        switch tag {")
            for patterns, case, t in tagged:
                lines.append("        case %s: self = .%s(try %s(from: decoder))" % (patterns, case, t.local))
            lines.append("        default: self = .unknown(try JSONValue(from: decoder))")
            lines.append("        }")
            lines.append("    }")
            lines.append("")
            lines.append("    init(tape: JSONTape, object: Int) throws {")
            lines.append("        switch tape.discriminator(of: object, named: %s) {" % swift_string(prop))
            for patterns, case, t in tagged:
                lines.append("        case %s: self = .%s(try tape.decodeVariant(object, as: %s.self))"
                             % (patterns, case, t.local))
            lines.append("        default: self = .unknown(try tape.jsonValue(object))")
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

    def top_level_decl(self, schema, name, doc, element_doc, inline=True):
        """Lines for a top-level type named `name` for `schema` (struct, enum, or typealias)."""
        schema = self.spec.deref(schema)
        comb, variants = self.meaningful_variants(schema)
        if variants and len(variants) > 1 and not schema.get("properties"):
            if all(not self.is_object_like(v) for v in variants):
                return ["/// %s" % doc, "public typealias %s = JSONValue" % name]
            return self.union_lines(schema, name, [name], doc)
        shared = self.shared_inline_name(schema) if inline else None
        if shared and shared != name:
            return ["/// %s The same object as ``%s``." % (doc, shared), "public typealias %s = %s" % (name, shared)]
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

    def write(self, rel_path, lines, header=None):
        text = (header or self.header) + "\n" + "\n".join(lines).rstrip() + "\n"
        text = re.sub(r"[ \t]+\n", "\n", text)
        if rel_path in self.files:
            raise SystemExit("duplicate output " + rel_path)
        self.files[rel_path] = text

    def generate_schemas(self):
        for schema_name, name in self.schema_names.items():
            if schema_name in self.aliases:
                continue
            schema = self.spec.schemas[schema_name]
            from_webhooks = "x-clerk-webhooks-schema" in schema
            if from_webhooks:
                original = schema["x-clerk-webhooks-schema"]
                if original != schema_name:
                    doc = ("The `%s` payload of Clerk's webhooks: schema `%s` with only the properties the webhooks "
                           "spec's examples always send required." % (name, original))
                else:
                    doc = "The `%s` payload of Clerk's webhooks (schema `%s` of the webhooks spec)." % (name, schema_name)
            else:
                doc = "The `%s` object of the Backend API (schema `%s`)." % (name, schema_name)
            lines = self.top_level_decl(schema, name, doc,
                                        "An element of `%s` (schema `%s`)." % (name, schema_name), inline=False)
            self.write("Models/Generated/%s.swift" % name, lines, header=self.webhooks_header if from_webhooks else None)

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
            facts = dict(self.spec.deref(p.get("schema") or {}))
            if "example" in p:
                facts["example"] = p["example"]
            for doc_line in member_doc(
                p["name"], facts, required=p.get("required", False), nullable=False, is_epoch_ms=False,
                deprecated=bool(p.get("deprecated")), location="the query of %s" % label, where="Query parameter",
            ):
                lines.append("    /// " + doc_line if doc_line else "    ///")
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
        webhook_types = 0
        for schema_name, name in self.schema_names.items():
            if "x-clerk-webhooks-schema" in self.spec.schemas[schema_name]:
                webhook_types += 1  # the webhooks spec's payloads; the webhook tests decode its examples
                continue
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
        return len(self.schema_names) - webhook_types, count

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
