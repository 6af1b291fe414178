import ClerkBackend
import Foundation
import Synchronization

/// The rules of the members of objects inside a request body: those of an object member (`container`), of each item
/// of an array member (`isArray`), or of each item of a body that is itself an array (`container` empty).
struct NestedRules: Sendable {
    let container: String
    let isArray: Bool
    /// The string formats of the objects' members (`uri`, `date-time`, `email`), by member.
    let formats: [String: String]
    let rules: [FieldRule]
}

/// The spec's constraints on one top-level member of a JSON request body (generated into ``RequestRules``).
struct FieldRule: Sendable {
    let name: String
    /// `string`, `integer`, `number`, `boolean`, `object` or `array`; `nil` for any JSON value.
    let type: String?
    let nullable: Bool
    let required: Bool
    /// The allowed values of a string enum.
    let values: [String]?
    let minLength: Int?
    let maxLength: Int?
    let minimum: Double?
    let minimumIsExclusive: Bool
    let maximum: Double?
    let pattern: String?
    let minItems: Int?
    let maxItems: Int?
    /// The type of an array's items, when the spec states a primitive one.
    let itemType: String?
}

/// Checks a JSON request body against the spec before the operation's handler runs, answering as Clerk does:
/// `form_param_missing` for a required member that is absent (or null), `form_param_format_invalid` for a value of
/// the wrong type or shape, `form_param_value_invalid` for one outside its enum, length or range; `meta.param_name`
/// names the member. A body that is not a JSON object is left to the handler, which answers for it. Optional members
/// sent as `null` are taken as absent, as the SDKs that send them mean.
enum RequestValidation {
    /// The status of a refused body: the one of 400 and 422 the operation documents (400 for Clerk's machine-auth
    /// service and the token checks, whose specs list 400 only), else 422.
    static func status(for endpoint: Endpoint) -> Int {
        RequestRules.refusalStatusByOperation[endpoint.operationID] ?? 422
    }

    /// Checks a body against the operation's rules whatever its Content-Type says: the handlers read it as JSON
    /// whatever it says. (The uploads, which take multipart bodies, have no rules.)
    static func check(_ endpoint: Endpoint, body: Data) throws {
        let rules = RequestRules.byOperation[endpoint.operationID]
        let nested = RequestRules.nestedByOperation[endpoint.operationID]
        guard rules != nil || nested != nil else { return }
        let document: JSONValue
        if body.isEmpty {
            document = .object([:])
        } else {
            // A body that is not JSON is left to the handler, which answers for it.
            guard let decoded = try? JSONDecoder().decode(JSONValue.self, from: body) else { return }
            document = decoded
        }
        let status = status(for: endpoint)
        let formats = RequestRules.formatsByOperation[endpoint.operationID] ?? [:]
        if let rules, case .object(let members) = document {
            for rule in rules { try checkMember(rule, members[rule.name], name: rule.name, format: formats[rule.name], status: status) }
        }
        // Members of objects inside the body: an object member (`actor.sub`), the items of an array member
        // (`custom_attributes[1].key`), or the items of a body that is an array (`email_address`).
        for group in nested ?? [] {
            let container: JSONValue?
            if group.container.isEmpty {
                container = document
            } else if case .object(let members) = document {
                container = members[group.container]
            } else {
                container = nil
            }
            // Absent, null, or of the wrong type (which the member's own rule reports): nothing inside to check.
            guard let container else { continue }
            let objects: [(prefix: String, value: JSONValue)]
            switch (group.isArray, container) {
            case (true, .array(let items)):
                objects = items.enumerated().map { (group.container.isEmpty ? "" : "\(group.container)[\($0.offset)]", $0.element) }
            case (false, .object):
                objects = [(group.container, container)]
            default:
                continue
            }
            for (prefix, value) in objects {
                guard case .object(let members) = value else {
                    let name = prefix.isEmpty ? "items" : prefix
                    throw EmulatorError(
                        status: status, code: "form_param_format_invalid", message: "is invalid", longMessage: "\(name) must be an object",
                        meta: ["param_name": .string(name)]
                    )
                }
                for rule in group.rules {
                    let name = prefix.isEmpty ? rule.name : prefix + "." + rule.name
                    try checkMember(rule, members[rule.name], name: name, format: group.formats[rule.name], status: status)
                }
            }
        }
    }

    /// One member against its rule: missing (absent, or null where null is not allowed), or a value outside the rule.
    private static func checkMember(_ rule: FieldRule, _ value: JSONValue?, name: String, format: String?, status: Int) throws {
        guard let value, value != .null else {
            if rule.required && !(value == .null && rule.nullable) {
                throw EmulatorError(
                    status: status, code: "form_param_missing", message: "is missing",
                    longMessage: "\(name) must be included.", meta: ["param_name": .string(name)]
                )
            }
            return
        }
        if let problem = problem(with: value, rule) ?? formatProblem(value, format) {
            throw EmulatorError(
                status: status, code: problem.code, message: "is invalid", longMessage: "\(name) \(problem.reason)",
                meta: ["param_name": .string(name)]
            )
        }
    }

    /// The spec's string formats: `uri` (absolute, with a scheme and a host), `date-time` (RFC 3339), `email`.
    static func formatProblem(_ value: JSONValue, _ format: String?) -> (code: String, reason: String)? {
        guard let format, case .string(let text) = value else { return nil }
        let valid: Bool
        switch format {
        case "uri":
            let url = URLComponents(string: text)
            valid = url?.scheme?.isEmpty == false && url?.host?.isEmpty == false
        case "date-time":
            let parser = ISO8601DateFormatter()
            parser.formatOptions = [.withInternetDateTime]
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            valid = parser.date(from: text) != nil || fractional.date(from: text) != nil
        case "email":
            valid = EmulatorState.isEmail(text)
        default:
            valid = true
        }
        return valid ? nil : ("form_param_format_invalid", "must be a valid \(format == "uri" ? "absolute URL" : format == "date-time" ? "RFC 3339 date and time" : "email address")")
    }

    /// Checks the query against the spec's parameters: types (integers may be written `10.0`), booleans as
    /// `true`/`false`, enums, ranges, patterns, lengths and value counts; 400 with `meta.param_name`, as Clerk answers
    /// a bad query. Parameters the spec does not list are left to the handler.
    /// Checks the path parameters the spec constrains (id patterns such as `^mt_[0-9A-Fa-f]{32}$`, enums such as a
    /// template type): 400 with `form_param_format_invalid` or `form_param_value_invalid` and `meta.param_name`, as
    /// the spec documents for those operations, before any lookup.
    static func checkPath(_ endpoint: Endpoint, _ parameters: [String: String]) throws {
        guard let rules = RequestRules.pathByOperation[endpoint.operationID] else { return }
        for rule in rules {
            guard let problem = problem(with: .string(parameters[rule.name] ?? ""), rule) else { continue }
            throw EmulatorError(
                status: 400, code: problem.code, message: "is invalid", longMessage: "\(rule.name) \(problem.reason)",
                meta: ["param_name": .string(rule.name)]
            )
        }
    }

    static func checkQuery(_ endpoint: Endpoint, _ query: [(name: String, value: String)]) throws {
        guard let rules = RequestRules.queryByOperation[endpoint.operationID] else { return }
        for rule in rules {
            let values = query.filter { $0.name == rule.name }.map(\.value)
            if values.isEmpty {
                if rule.required {
                    throw EmulatorError(
                        status: 400, code: "form_param_missing", message: "is missing",
                        longMessage: "\(rule.name) must be included.", meta: ["param_name": .string(rule.name)]
                    )
                }
                continue
            }
            let problem: (code: String, reason: String)?
            if let maximum = rule.maxItems, values.count > maximum {
                problem = ("form_param_value_invalid", "accepts at most \(maximum) values")
            } else if rule.type != "array", values.count > 1 {
                problem = ("form_param_format_invalid", "must be given once")
            } else {
                problem = values.lazy.compactMap { queryProblem(with: $0, rule) }.first
            }
            if let problem {
                throw EmulatorError(
                    status: 400, code: problem.code, message: "is invalid", longMessage: "\(rule.name) \(problem.reason)",
                    meta: ["param_name": .string(rule.name)]
                )
            }
        }
    }

    private static func queryProblem(with text: String, _ rule: FieldRule) -> (code: String, reason: String)? {
        let value: JSONValue
        switch rule.itemType {
        case "integer":
            guard let number = EmulatorRequest.integer(text) else { return ("form_param_format_invalid", "must be an integer") }
            value = .int(Int64(number))
        case "number":
            guard let number = Double(text), number.isFinite else { return ("form_param_format_invalid", "must be a number") }
            value = .double(number)
        case "boolean":
            guard text == "true" || text == "false" else { return ("form_param_format_invalid", "must be true or false") }
            value = .bool(text == "true")
        default:
            value = .string(text)
        }
        let scalar = FieldRule(
            name: rule.name, type: nil, nullable: false, required: false, values: rule.values, minLength: rule.minLength,
            maxLength: rule.maxLength, minimum: rule.minimum, minimumIsExclusive: false, maximum: rule.maximum,
            pattern: rule.pattern, minItems: nil, maxItems: nil, itemType: nil
        )
        return problem(with: value, scalar)
    }

    private static func problem(with value: JSONValue, _ rule: FieldRule) -> (code: String, reason: String)? {
        let format = "form_param_format_invalid"
        let range = "form_param_value_invalid"
        if let type = rule.type, !matches(value, type) { return (format, "must be \(article(type)) \(type)") }
        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let values = rule.values, !values.contains(text) {
                return (range, "must be one of: \(values.joined(separator: ", "))")
            }
            if let minimum = rule.minLength, length < minimum { return (range, "must be at least \(minimum) characters") }
            if let maximum = rule.maxLength, length > maximum { return (range, "must be at most \(maximum) characters") }
            if let pattern = rule.pattern, !matches(text, pattern: pattern) { return (format, "does not match the expected format") }
        case .int, .double:
            guard let number = value.doubleValue else { return nil }
            if let minimum = rule.minimum {
                if rule.minimumIsExclusive ? number <= minimum : number < minimum {
                    return (range, rule.minimumIsExclusive ? "must be greater than \(bound(minimum))" : "must be at least \(bound(minimum))")
                }
            }
            if let maximum = rule.maximum, number > maximum { return (range, "must be at most \(bound(maximum))") }
        case .array(let items):
            if let minimum = rule.minItems, items.count < minimum { return (range, "must have at least \(minimum) items") }
            if let maximum = rule.maxItems, items.count > maximum { return (range, "must have at most \(maximum) items") }
            if let itemType = rule.itemType, !items.allSatisfy({ matches($0, itemType) }) {
                return (format, "must be a list of \(itemType) values")
            }
        default:
            break
        }
        return nil
    }

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array), ("integer", .int),
            ("number", .int), ("number", .double):
            return true
        case ("integer", .double(let number)):
            return number.rounded() == number && abs(number) < 9.0e15
        default:
            return !["string", "boolean", "object", "array", "integer", "number"].contains(type)
        }
    }

    private static let patterns = Mutex<[String: Regex<AnyRegexOutput>]>([:])

    private static func matches(_ text: String, pattern: String) -> Bool {
        let regex: Regex<AnyRegexOutput>? = patterns.withLock { cache in
            if let cached = cache[pattern] { return cached }
            guard let compiled = try? Regex(pattern) else { return nil }
            cache[pattern] = compiled
            return compiled
        }
        // A pattern this runtime cannot compile is not held against the request.
        guard let regex else { return true }
        return (try? regex.firstMatch(in: text)) != nil
    }

    private static func article(_ type: String) -> String { type == "integer" || type == "array" || type == "object" ? "an" : "a" }

    private static func bound(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
