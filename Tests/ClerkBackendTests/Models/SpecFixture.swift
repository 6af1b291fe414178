@testable import ClerkBackend
import HTTPTypes
import Foundation
import Testing
import Yams

/// The Backend API spec fixture (`Fixtures/clerk-bapi-2026-05-12.yml`), parsed once with Yams into `JSONValue`s,
/// with the schema helpers the model tests need: `$ref` resolution, `allOf` merging, nullability, examples,
/// operations, and schema-valid sample payloads.
struct SpecFixture: Sendable {
    /// The spec file inside `Fixtures/`.
    static let fileName = "clerk-bapi-2026-05-12.yml"
    /// Component schemas the SDK writes by hand (the generator skips them).
    static let handWrittenSchemas: Set<String> = ["ClerkError", "ClerkErrors"]

    /// The whole spec.
    let root: JSONValue
    /// `components/schemas`.
    let schemas: [String: JSONValue]
    /// Every operation, sorted by operationID.
    let operations: [Operation]
    /// The largest number of variants of a `oneOf`/`anyOf` anywhere in the spec.
    private(set) var maxVariantCount = 1

    /// One operation of `paths`.
    struct Operation: Sendable {
        let id: String
        let method: String
        let path: String
        let node: JSONValue
    }

    // MARK: - Loading (once per test process)

    private static let loaded: Result<SpecFixture, any Error> = Result { try SpecFixture.load() }

    /// The parsed spec; throws (failing the calling test) if the fixture cannot be read or parsed.
    static func shared() throws -> SpecFixture { try loaded.get() }

    private static func load() throws -> SpecFixture {
        guard let node = try Yams.compose(yaml: try Fixtures.string(fileName)) else {
            throw SpecError("empty spec " + fileName)
        }
        let root = try json(from: node)
        let schemas = root["components"]?["schemas"]?.objectValue ?? [:]
        var operations: [Operation] = []
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for (path, item) in root["paths"]?.objectValue ?? [:] {
            for (method, op) in item.objectValue ?? [:] where methods.contains(method) {
                guard let id = op["operationId"]?.stringValue else { throw SpecError("no operationId: \(path)") }
                operations.append(Operation(id: id, method: method, path: path, node: op))
            }
        }
        operations.sort { $0.id < $1.id }
        guard !schemas.isEmpty, !operations.isEmpty else { throw SpecError("spec without schemas or paths") }
        var fixture = SpecFixture(root: root, schemas: schemas, operations: operations)
        fixture.maxVariantCount = fixture.computeMaxVariantCount()
        return fixture
    }

    /// YAML node -> JSON, using the tags Yams resolves for plain scalars (quoted scalars stay strings).
    private static func json(from node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: if let value = node.bool { return .bool(value) }
            case .int: if let value = node.int { return .int(Int64(value)) }
            case .float: if let value = node.float { return .double(value) }
            default: break
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw SpecError("non-scalar mapping key at \(String(describing: key.mark))") }
                object[name] = try json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(try sequence.map { try json(from: $0) })
        case .alias:
            throw SpecError("YAML aliases are not supported (at \(String(describing: node.mark)))")
        }
    }

    // MARK: - Schemas

    /// Component schemas the generator turns into Swift types (all but the hand-written error schemas).
    var generatedSchemaNames: [String] {
        schemas.keys.filter { !Self.handWrittenSchemas.contains($0) }.sorted()
    }

    /// Follows `$ref`s (JSON pointers into this document) until a node without one.
    func resolve(_ node: JSONValue) -> JSONValue {
        var node = node
        var seen: Set<String> = []
        while let ref = node["$ref"]?.stringValue, seen.insert(ref).inserted, let target = pointer(ref) {
            node = target
        }
        return node
    }

    /// The node at a `#/a/b/c` JSON pointer.
    func pointer(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: JSONValue? = root
        for part in ref.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = node?[key]
        }
        return node
    }

    /// Properties and required names of an object schema, merging `allOf` parts (through `$ref`s).
    func mergedObject(_ schema: JSONValue) -> (properties: [String: JSONValue], required: Set<String>) {
        let schema = resolve(schema)
        var properties: [String: JSONValue] = [:]
        var required: Set<String> = []
        for part in schema["allOf"]?.arrayValue ?? [] {
            let merged = mergedObject(part)
            properties.merge(merged.properties) { _, new in new }
            required.formUnion(merged.required)
        }
        properties.merge(schema["properties"]?.objectValue ?? [:]) { _, new in new }
        required.formUnion((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        return (properties, required)
    }

    /// Whether a schema is (after `$ref`s and `allOf`) an object with declared properties.
    func hasProperties(_ schema: JSONValue) -> Bool { !mergedObject(schema).properties.isEmpty }

    /// Whether the spec allows `null` for a value of this schema: `nullable: true` on it, on its `$ref` target,
    /// on an `allOf` part, or on a `oneOf`/`anyOf` variant.
    func isNullable(_ schema: JSONValue) -> Bool {
        if schema["nullable"]?.boolValue == true { return true }
        if schema["$ref"] != nil { return isNullable(resolve(schema)) }
        for combinator in ["allOf", "oneOf", "anyOf"] {
            if (schema[combinator]?.arrayValue ?? []).contains(where: isNullable) { return true }
        }
        return false
    }

    /// `oneOf`/`anyOf` variants, without the ones that only add a `required` rule.
    func variants(_ schema: JSONValue) -> [JSONValue] {
        for combinator in ["oneOf", "anyOf"] {
            let variants = (schema[combinator]?.arrayValue ?? []).filter { variant in
                !Set(variant.objectValue?.keys.map { $0 } ?? []).isSubset(of: ["required", "description", "not"])
            }
            if !variants.isEmpty { return variants }
        }
        return []
    }

    /// The `enum` values of a schema, without `null`.
    func enumValues(_ schema: JSONValue) -> [JSONValue] {
        (resolve(schema)["enum"]?.arrayValue ?? []).filter { !$0.isNull }
    }

    // MARK: - Operations

    /// The schema of the JSON body of the 200 (or else 201) response of an operation, through
    /// `components/responses`; nil when that response has no JSON body.
    func successSchema(of operation: Operation) -> JSONValue? { successBody(of: operation)?.schema }

    /// `successSchema(of:)` with where it is in the spec (the `exampleLocations` format, keys unescaped).
    func successBody(of operation: Operation) -> (schema: JSONValue, location: String)? {
        for code in ["200", "201"] {
            guard let response = operation.node["responses"]?[code] else { continue }
            guard let schema = resolve(response)["content"]?["application/json"]?["schema"] else { return nil }
            let responseLocation = response["$ref"]?.stringValue
                ?? "#/paths/\(operation.path)/\(operation.method)/responses/\(code)"
            return (schema, responseLocation + "/content/application/json/schema")
        }
        return nil
    }

    /// Operations whose 200/201 response has a JSON body.
    var operationsWithJSONResponse: [Operation] { operations.filter { successSchema(of: $0) != nil } }

    // MARK: - Samples

    /// How `sample(of:)` builds a payload.
    struct SampleOptions {
        /// Use the spec's `example`s where it gives them (records where in `examplesUsed`).
        var useExamples = false
        /// Put `null` in every top-level property the spec marks nullable.
        var topLevelNullsWhereNullable = false
        /// Leave out every property the spec does not require, at every level.
        var onlyRequired = false
        /// Below this depth, optional properties are left out and arrays are empty (keeps samples finite).
        var maxDepth = 6
        /// Which variant of every `oneOf`/`anyOf` to use (the last one where there are fewer): samples for
        /// `0..<maxVariantCount` together use every variant of every union.
        var variant = 0
    }

    private func computeMaxVariantCount() -> Int {
        func walk(_ node: JSONValue) -> Int {
            switch node {
            case .object(let members): max(variants(node).count, members.values.map(walk).max() ?? 0)
            case .array(let elements): elements.map(walk).max() ?? 0
            default: 0
            }
        }
        return max(1, walk(root))
    }

    /// Samples of `schema` for every variant choice (`SampleOptions.variant`), without duplicates.
    func samplesOfEveryVariant(of schema: JSONValue, options: SampleOptions = .init()) -> [JSONValue] {
        var result: [JSONValue] = []
        for variant in 0..<maxVariantCount {
            var options = options
            options.variant = variant
            let value = sample(of: schema, options: options).value
            if !result.contains(value) { result.append(value) }
        }
        return result
    }

    /// A schema-valid JSON value for `schema`: every property present (down to `maxDepth`), strings `"sample"`,
    /// integers 1, numbers 1.5, booleans true, the first `enum` value, arrays of one sample element, maps with one
    /// `"sample_key"` entry, the first (or `options.variant`th) variant of a `oneOf`/`anyOf`.
    /// `location` names `schema` in `examplesUsed` (the `exampleLocations` format); `$ref` targets are named by
    /// their `$ref`.
    func sample(
        of schema: JSONValue, at location: String = "#", options: SampleOptions = .init()
    ) -> (value: JSONValue, examplesUsed: Set<String>) {
        var used: Set<String> = []
        let value = sample(schema, location: location, depth: 0, options: options, used: &used)
        return (value, used)
    }

    private func sample(
        _ node: JSONValue, location: String, depth: Int, options: SampleOptions, used: inout Set<String>
    ) -> JSONValue {
        if options.useExamples, let example = node["example"] {
            used.insert(location)
            return example
        }
        // Required properties that refer back to their own schema would never end; the spec has none.
        guard depth < 40 else { return "too deep" }
        if let ref = node["$ref"]?.stringValue {
            guard let target = pointer(ref) else { return .string("unresolvable \(ref)") }
            return sample(target, location: ref, depth: depth, options: options, used: &used)
        }
        if let first = enumValues(node).first { return first }
        if node["allOf"] != nil || node["properties"] != nil {
            return objectSample(node, location: location, depth: depth, options: options, used: &used)
        }
        let variants = variants(node)
        if !variants.isEmpty {
            let chosen = variants[min(options.variant, variants.count - 1)]
            let combinator = node["oneOf"] != nil ? "oneOf" : "anyOf"
            let index = node[combinator]?.arrayValue?.firstIndex(of: chosen) ?? 0
            return sample(chosen, location: location + "/\(combinator)/\(index)", depth: depth, options: options, used: &used)
        }
        switch node["type"]?.stringValue {
        case "string": return "sample"
        case "integer": return 1
        case "number": return 1.5
        case "boolean": return true
        case "array":
            guard depth < options.maxDepth, let items = node["items"] else { return [] }
            return [sample(items, location: location + "/items", depth: depth + 1, options: options, used: &used)]
        case "object":
            return objectSample(node, location: location, depth: depth, options: options, used: &used)
        default:
            return "sample"
        }
    }

    private func objectSample(
        _ node: JSONValue, location: String, depth: Int, options: SampleOptions, used: inout Set<String>
    ) -> JSONValue {
        let (properties, required) = mergedObject(node)
        if properties.isEmpty {
            switch node["additionalProperties"] {
            case .bool(false): return [:]
            case .object(let members) where !members.isEmpty:
                let value = sample(
                    node["additionalProperties"]!, location: location + "/additionalProperties", depth: depth + 1,
                    options: options, used: &used)
                return ["sample_key": value]
            default: return ["sample_key": "sample"]
            }
        }
        var object: [String: JSONValue] = [:]
        for (name, property) in properties {
            if (depth >= options.maxDepth || options.onlyRequired) && !required.contains(name) { continue }
            if depth == 0 && options.topLevelNullsWhereNullable && isNullable(property) {
                object[name] = .null
                continue
            }
            object[name] = sample(
                property, location: propertyLocation(node, location: location, name: name), depth: depth + 1,
                options: options, used: &used)
        }
        return .object(object)
    }

    /// Where a merged property is declared (for counting examples): `<location>/properties/<name>`, or inside the
    /// `allOf` part that declares it.
    private func propertyLocation(_ node: JSONValue, location: String, name: String) -> String {
        if node["properties"]?[name] != nil { return location + "/properties/" + name }
        for (index, part) in (node["allOf"]?.arrayValue ?? []).enumerated().reversed()
        where mergedObject(part).properties[name] != nil {
            if let ref = part["$ref"]?.stringValue, let target = pointer(ref) {
                return propertyLocation(target, location: ref, name: name)
            }
            return propertyLocation(part, location: location + "/allOf/\(index)", name: name)
        }
        return location + "/properties/" + name
    }

    // MARK: - Examples

    /// Every `example` key below a node, by JSON pointer.
    func exampleLocations(under node: JSONValue, at location: String) -> Set<String> {
        var found: Set<String> = []
        switch node {
        case .object(let members):
            for (key, value) in members {
                if key == "example" {
                    found.insert(location)
                } else {
                    found.formUnion(exampleLocations(under: value, at: location + "/" + key))
                }
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                found.formUnion(exampleLocations(under: element, at: location + "/\(index)"))
            }
        default:
            break
        }
        return found
    }

    /// The object the generator author assembles from property-level examples: every property with an `example`
    /// (on it or its `$ref` target), single-value enums filled in; nil unless every required property is covered
    /// and at least one property other than `object` has an example.
    func assembledExample(of schema: JSONValue) -> JSONValue? {
        let (properties, required) = mergedObject(schema)
        var object: [String: JSONValue] = [:]
        var hasExample = false
        for (name, property) in properties {
            if let example = property["example"] ?? resolve(property)["example"] {
                object[name] = example
                if name != "object" { hasExample = true }
                continue
            }
            let constant = enumValues(property)
            if constant.count == 1 {
                object[name] = constant[0]
            } else if required.contains(name) && !isNullable(property) {
                return nil
            }
        }
        return hasExample ? .object(object) : nil
    }
}

struct SpecError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - JSON helpers shared by the model tests

enum ModelJSON {
    /// Decodes `json` into `type`, then encodes the value again.
    static func roundTrip(_ json: JSONValue, as type: any (Codable & Sendable).Type) throws -> JSONValue {
        try roundTripOpened(json, as: type)
    }

    private static func roundTripOpened<T: Codable>(_ json: JSONValue, as type: T.Type) throws -> JSONValue {
        let value = try decode(json, as: T.self)
        return try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// Decodes `json` into `type` with a plain `JSONDecoder`.
    static func decode<T: Decodable>(_ json: JSONValue, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(json))
    }

    /// Where `actual` differs from `expected`, as readable paths. Numbers compare by value (`1` == `1.0`), and a
    /// `null` member of `expected` may be absent from `actual` (Swift encodes `nil` by leaving the key out).
    static func differences(expected: JSONValue, actual: JSONValue, path: String = "$") -> [String] {
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            var result: [String] = []
            for key in e.keys.sorted() {
                guard let actualValue = a[key] else {
                    if e[key] != .null { result.append("\(path).\(key) is missing") }
                    continue
                }
                result += differences(expected: e[key]!, actual: actualValue, path: "\(path).\(key)")
            }
            for key in a.keys.sorted() where e[key] == nil {
                result.append("\(path).\(key) was not in the input")
            }
            return result
        case (.array(let e), .array(let a)):
            guard e.count == a.count else { return ["\(path) has \(a.count) elements instead of \(e.count)"] }
            return zip(e, a).enumerated().flatMap { index, pair in
                differences(expected: pair.0, actual: pair.1, path: "\(path)[\(index)]")
            }
        default:
            if let e = expected.doubleValue, let a = actual.doubleValue, e == a { return [] }
            return expected == actual ? [] : ["\(path) is \(describe(actual)) instead of \(describe(expected))"]
        }
    }

    static func describe(_ value: JSONValue) -> String {
        guard let data = try? JSONEncoder().encode(value) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The value without `null` object members (what encoding a decoded value gives back).
    static func withoutNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): .object(members.filter { !$0.value.isNull }.mapValues(withoutNulls))
        case .array(let elements): .array(elements.map(withoutNulls))
        default: value
        }
    }
}
