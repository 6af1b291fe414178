import ClerkBackend
import Foundation
import Yams

/// Validates JSON against the Backend API spec's schemas, with the keywords the spec uses: `$ref`, `type`,
/// `nullable`, `required`, `enum`, `properties`, `additionalProperties`, `items`, `allOf`, `oneOf`, `anyOf`.
///
/// The spec is read from the repository (`Tests/ClerkBackendTests/Fixtures/clerk-bapi-2026-05-12.yml`, the copy
/// with Clerk's MIT licence beside it).
struct SpecValidator: Sendable {
    let root: JSONValue
    /// operationID -> (status code -> response schema).
    let responses: [String: [String: JSONValue]]
    /// operationID -> the statuses the spec documents without a JSON body (the interstitial's HTML page).
    let undescribed: [String: Set<String>]
    /// operationID -> every status the spec documents.
    let documented: [String: Set<String>]

    static let shared: Result<SpecValidator, any Error> = Result { try SpecValidator.load() }

    static func load() throws -> SpecValidator {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ClerkBackendTests/Fixtures/clerk-bapi-2026-05-12.yml")
        guard let node = try Yams.compose(yaml: String(contentsOf: url, encoding: .utf8)) else {
            throw ValidationSetupError(message: "empty spec")
        }
        let root = try json(node)
        var responses: [String: [String: JSONValue]] = [:]
        var undescribed: [String: Set<String>] = [:]
        var documented: [String: Set<String>] = [:]
        for (_, item) in root["paths"]?.objectMembers ?? [:] {
            for (method, operation) in item.objectMembers ?? [:] where ["get", "post", "put", "patch", "delete"].contains(method) {
                guard let id = operation["operationId"]?.stringMember else { continue }
                var byStatus: [String: JSONValue] = [:]
                for (status, response) in operation["responses"]?.objectMembers ?? [:] {
                    documented[id, default: []].insert(status)
                    let resolved = resolve(response, root: root)
                    if let schema = resolved["content"]?["application/json"]?["schema"] {
                        byStatus[status] = schema
                    } else if status.hasPrefix("2") {
                        undescribed[id, default: []].insert(status)
                    }
                }
                responses[id] = byStatus
            }
        }
        return SpecValidator(root: root, responses: responses, undescribed: undescribed, documented: documented)
    }

    struct ValidationSetupError: Error { let message: String }

    private static func json(_ node: Node) throws -> JSONValue {
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
            for (key, value) in mapping { object[key.string ?? ""] = try json(value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(try sequence.map { try json($0) })
        case .alias:
            throw ValidationSetupError(message: "YAML aliases are not supported")
        }
    }

    static func resolve(_ node: JSONValue, root: JSONValue) -> JSONValue {
        var node = node
        var seen: Set<String> = []
        while let ref = node["$ref"]?.stringMember, seen.insert(ref).inserted {
            var target: JSONValue? = root
            for part in ref.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
            guard let found = target else { break }
            node = found
        }
        return node
    }

    /// Problems with `body` as the answer of `operationID` with `status`; empty when it conforms. An answer whose
    /// status the spec does not document is a problem; errors (4xx/5xx) are checked against `ClerkErrors`.
    /// Statuses the emulator answers on purpose where the spec copy documents another for the same body:
    /// `createApiKey` answers 201 (Clerk's Python SDK accepts only 201; the spec copy lists 200).
    static let statusDeviations: [String: [Int: Int]] = ["createApiKey": [201: 200]]

    func problems(operationID: String, status: Int, body: Data) -> [String] {
        guard let byStatus = responses[operationID] else { return ["unknown operation \(operationID)"] }
        // A refusal answers the one of 400 and 422 the operation documents.
        let statuses = documented[operationID] ?? []
        if status == 400 || status == 422, !statuses.contains(String(status)), statuses.contains(status == 400 ? "422" : "400") {
            return ["\(operationID) answered \(status), but documents \(status == 400 ? 422 : 400) for refusals"]
        }
        let schema: JSONValue
        let documentedStatus = byStatus[String(status)] == nil ? Self.statusDeviations[operationID]?[status] ?? status : status
        if let documented = byStatus[String(documentedStatus)] {
            schema = documented
        } else if status >= 400, let errors = root["components"]?["schemas"]?["ClerkErrors"] {
            schema = errors
        } else if body.isEmpty || undescribed[operationID]?.contains(String(status)) == true {
            // No body, or a success the spec documents without a JSON schema (HTML): nothing to check.
            return []
        } else {
            return ["\(operationID) answered \(status), which the spec does not document with a JSON body"]
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return ["\(operationID) \(status): body is not JSON"]
        }
        var problems: [String] = []
        // The spec documents only the bare array for the lists that take `paginated=true`; with it, the API wraps
        // the same items as `{data, total_count}` (as @clerk/backend expects). Check the items either way.
        if Self.resolve(schema, root: root)["type"]?.stringMember == "array", case .object(let members) = value,
            let data = members["data"], members["total_count"]?.intMember != nil, members.count == 2
        {
            validate(data, against: schema, at: "$.data", into: &problems)
            return problems.map { "\(operationID) \(status): \($0)" }
        }
        validate(value, against: schema, at: "$", into: &problems)
        return problems.map { "\(operationID) \(status): \($0)" }
    }

    func validate(_ value: JSONValue, against rawSchema: JSONValue, at path: String, into problems: inout [String]) {
        let schema = Self.resolve(rawSchema, root: root)
        if value == .null {
            if schema["nullable"]?.boolMember == true || schema.objectMembers?.isEmpty == true { return }
            // allOf with a nullable part, or a schema without a type constraint.
            if schema["type"] == nil && schema["allOf"] == nil && schema["oneOf"] == nil && schema["anyOf"] == nil && schema["enum"] == nil { return }
            if let parts = schema["allOf"]?.arrayMember, parts.contains(where: { Self.resolve($0, root: root)["nullable"]?.boolMember == true }) { return }
            if let options = (schema["oneOf"] ?? schema["anyOf"])?.arrayMember,
                options.contains(where: { Self.resolve($0, root: root)["nullable"]?.boolMember == true })
            {
                return
            }
            problems.append("\(path) is null but not nullable")
            return
        }
        if let parts = schema["allOf"]?.arrayMember {
            // Merge the parts' object keywords, then validate once (so that additionalProperties sees all properties).
            var merged: [String: JSONValue] = [:]
            var properties: [String: JSONValue] = [:]
            var required: [JSONValue] = []
            for part in parts {
                let resolved = Self.resolve(part, root: root)
                for (key, member) in resolved.objectMembers ?? [:] where key != "properties" && key != "required" {
                    merged[key] = member
                }
                for (key, member) in resolved["properties"]?.objectMembers ?? [:] { properties[key] = member }
                required += resolved["required"]?.arrayMember ?? []
            }
            for (key, member) in schema.objectMembers ?? [:] where key != "allOf" && key != "properties" && key != "required" {
                merged[key] = member
            }
            for (key, member) in schema["properties"]?.objectMembers ?? [:] { properties[key] = member }
            required += schema["required"]?.arrayMember ?? []
            if !properties.isEmpty { merged["properties"] = .object(properties) }
            if !required.isEmpty { merged["required"] = .array(required) }
            merged["allOf"] = nil
            if merged["allOf"] == nil, merged["properties"] != nil, merged["type"] == nil { merged["type"] = "object" }
            validate(value, against: .object(merged), at: path, into: &problems)
            return
        }
        for keyword in ["oneOf", "anyOf"] {
            if let options = schema[keyword]?.arrayMember {
                var matched = false
                var firstProblems: [String] = []
                for option in options {
                    var optionProblems: [String] = []
                    validate(value, against: option, at: path, into: &optionProblems)
                    if optionProblems.isEmpty { matched = true; break }
                    if firstProblems.isEmpty { firstProblems = optionProblems }
                }
                if !matched { problems.append("\(path) matches none of the \(keyword) variants (first: \(firstProblems.prefix(3)))") }
                return
            }
        }
        if let allowed = schema["enum"]?.arrayMember, !allowed.contains(value) {
            problems.append("\(path) = \(value) is not one of \(allowed)")
        }
        switch schema["type"]?.stringMember {
        case "string":
            if case .string = value {} else { problems.append("\(path) should be a string, is \(value)") }
        case "integer":
            if value.intMember == nil { problems.append("\(path) should be an integer, is \(value)") }
        case "number":
            switch value {
            case .int, .double: break
            default: problems.append("\(path) should be a number, is \(value)")
            }
        case "boolean":
            if case .bool = value {} else { problems.append("\(path) should be a boolean, is \(value)") }
        case "array":
            guard case .array(let items) = value else {
                problems.append("\(path) should be an array")
                return
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { validate(item, against: itemSchema, at: "\(path)[\(index)]", into: &problems) }
            }
        case "object", nil:
            guard case .object(let members) = value else {
                if schema["type"]?.stringMember == "object" || schema["properties"] != nil { problems.append("\(path) should be an object") }
                return
            }
            let properties = schema["properties"]?.objectMembers ?? [:]
            for name in schema["required"]?.arrayMember?.compactMap(\.stringMember) ?? [] where members[name] == nil {
                problems.append("\(path).\(name) is required but missing")
            }
            for (name, member) in members {
                if let propertySchema = properties[name] {
                    validate(member, against: propertySchema, at: "\(path).\(name)", into: &problems)
                } else if let additional = schema["additionalProperties"] {
                    if additional == .bool(false) {
                        problems.append("\(path).\(name) is not a property of the schema")
                    } else if case .object = additional {
                        validate(member, against: additional, at: "\(path).\(name)", into: &problems)
                    }
                }
            }
        default:
            break
        }
    }
}

extension JSONValue {
    var objectMembers: [String: JSONValue]? { if case .object(let value) = self { return value } else { return nil } }
    var arrayMember: [JSONValue]? { if case .array(let value) = self { return value } else { return nil } }
    var stringMember: String? { if case .string(let value) = self { return value } else { return nil } }
    var boolMember: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    var intMember: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value): return value.rounded() == value ? Int64(exactly: value) : nil
        default: return nil
        }
    }
}
