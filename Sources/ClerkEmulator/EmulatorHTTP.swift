import ClerkBackend
import Foundation
import HTTPTypes

/// One API request, after routing: the operation it matched, its path parameters, query and body.
struct EmulatorRequest: Sendable {
    var operationID: String
    var method: String
    var pathParameters: [String: String]
    /// Query pairs in order (repeated names kept), `+` and percent-escapes decoded.
    var query: [(name: String, value: String)]
    var body: Data
    var contentType: String?
    /// The machine whose secret key authenticated the request (M2M-token operations only); `nil` for the instance key.
    var machineID: String? = nil

    func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
    func queryValues(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }

    func queryInt(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = queryValue(name) else { return value }
        guard let number = Self.integer(text), range.contains(number) else {
            throw EmulatorError.invalidQuery(name, "must be an integer between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    /// An integer query value: `10`, or `10.0` as clients that follow the spec's `number` type send it (Clerk's
    /// Python SDK does); any fraction other than zeros is refused.
    static func integer(_ text: String) -> Int? {
        if let number = Int(text) { return number }
        guard let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].allSatisfy({ $0 == "0" }),
            text.index(after: dot) < text.endIndex
        else { return nil }
        return Int(text[..<dot])
    }

    func queryBool(_ name: String) throws -> Bool? {
        guard let text = queryValue(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw EmulatorError.invalidQuery(name, "must be true or false")
        }
    }

    /// The JSON body as an object (an empty body is an empty object).
    func jsonObject() throws -> [String: JSONValue] {
        if body.isEmpty { return [:] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            throw EmulatorError(status: 400, code: "request_body_invalid", message: "Request body is not valid JSON")
        }
        guard case .object(let object) = value else {
            throw EmulatorError(status: 400, code: "request_body_invalid", message: "Request body must be a JSON object")
        }
        return object
    }

    func path(_ name: String) -> String { pathParameters[name] ?? "" }
}

/// An answer: status and JSON (or no body).
struct EmulatorResponse: Sendable {
    var status: Int
    var body: Data
    var contentType: String?
    /// Further response headers (`Retry-After` on injected 429s).
    var headers: [String: String] = [:]
    /// `Set-Cookie` values, each sent as its own header (Frontend API and hosted pages only).
    var cookies: [String] = []

    static func json(_ value: JSONValue, status: Int = 200) throws -> EmulatorResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return EmulatorResponse(status: status, body: try encoder.encode(value), contentType: "application/json")
    }

    /// A JSON answer from JSON text that is already in the API's shape (stored documents), without re-encoding.
    static func rawJSON(_ text: String, status: Int = 200) -> EmulatorResponse {
        EmulatorResponse(status: status, body: Data(text.utf8), contentType: "application/json")
    }

    /// A list answer from stored documents: a JSON array, or `{"data": [...], "total_count": n}`.
    static func rawList(_ texts: [String], total: Int, wrapped: Bool) -> EmulatorResponse {
        var body = wrapped ? "{\"data\":[" : "["
        body.reserveCapacity(texts.reduce(32) { $0 + $1.utf8.count + 1 })
        for (index, text) in texts.enumerated() {
            if index > 0 { body += "," }
            body += text
        }
        body += wrapped ? "],\"total_count\":\(total)}" : "]"
        return rawJSON(body)
    }

    static func empty(status: Int) -> EmulatorResponse { EmulatorResponse(status: status, body: Data(), contentType: nil) }
}

/// An error in Clerk's format: `{"errors": [{code, message, long_message, meta}], "clerk_trace_id": …}`.
struct EmulatorError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var longMessage: String?
    var meta: [String: JSONValue] = [:]

    init(status: Int, code: String, message: String, longMessage: String? = nil, meta: [String: JSONValue] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.longMessage = longMessage
        self.meta = meta
    }

    static func notFound(_ what: String) -> EmulatorError {
        EmulatorError(status: 404, code: "resource_not_found", message: "not found", longMessage: "\(what) not found")
    }

    static func invalidQuery(_ name: String, _ reason: String) -> EmulatorError {
        EmulatorError(
            status: 400, code: "form_param_value_invalid", message: "is invalid",
            longMessage: "\(name) \(reason)", meta: ["param_name": .string(name)]
        )
    }

    static func missing(_ name: String) -> EmulatorError {
        EmulatorError(
            status: 422, code: "form_param_missing", message: "is missing",
            longMessage: "\(name) must be included.", meta: ["param_name": .string(name)]
        )
    }

    static func invalid(_ name: String, _ reason: String) -> EmulatorError {
        EmulatorError(
            status: 422, code: "form_param_format_invalid", message: "is invalid",
            longMessage: "\(name) \(reason)", meta: ["param_name": .string(name)]
        )
    }

    static func exists(_ name: String) -> EmulatorError {
        EmulatorError(
            status: 422, code: "form_identifier_exists", message: "That \(name.replacingOccurrences(of: "_", with: " ")) is taken. Please try another.",
            longMessage: "That \(name.replacingOccurrences(of: "_", with: " ")) is taken. Please try another.",
            meta: ["param_name": .string(name)]
        )
    }

    func response(traceID: String) throws -> EmulatorResponse {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        error["long_message"] = .string(longMessage ?? message)  // required by the spec's ClerkError
        if !meta.isEmpty { error["meta"] = .object(meta) }
        return try .json(["errors": [.object(error)], "clerk_trace_id": .string(traceID)], status: status)
    }
}

/// Finds the spec operation of a request: `/v1` + the spec's path templates, plus the machine-token routes without
/// `/v1` that `@clerk/backend` calls. Literal segments win over parameters (`/users/count` over `/users/{user_id}`).
struct EmulatorRoutes: Sendable {
    struct Route: Sendable {
        let endpoint: Endpoint
        let segments: [String?]
    }

    let routes: [Route]

    init() {
        routes = Endpoint.all.map { endpoint in
            Route(endpoint: endpoint, segments: endpoint.path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) })
        }.sorted { $0.segments.filter { $0 == nil }.count < $1.segments.filter { $0 == nil }.count }
    }

    /// Prefixes the JS SDK uses without `/v1`.
    static let unversionedPrefixes = ["api_keys", "m2m_tokens", "oauth_applications"]

    func match(method: String, path: String) -> (Endpoint, [String: String])? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if parts.first == "v1" {
            parts.removeFirst()
        } else if !(parts.first.map { Self.unversionedPrefixes.contains($0) } ?? false) {
            return nil
        }
        if parts.last == "" && parts.count > 1 { parts.removeLast() }
        let decoded = parts.map { $0.removingPercentEncoding ?? $0 }
        for route in routes where route.endpoint.method.rawValue == method && route.segments.count == decoded.count {
            var parameters: [String: String] = [:]
            var names = route.endpoint.pathParameterNames.makeIterator()
            var matched = true
            for (segment, part) in zip(route.segments, decoded) {
                if let segment {
                    if segment != part { matched = false; break }
                } else {
                    if part.isEmpty { matched = false; break }
                    if let name = names.next() { parameters[name] = part }
                }
            }
            if matched { return (route.endpoint, parameters) }
        }
        return nil
    }

    /// Whether any operation has this path under another method (for 405-like answers we give 404, as Clerk).
    static func parseQuery(_ query: String?) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(pieces[0]), pieces.count > 1 ? decode(pieces[1]) : "")
        }
    }
}
