#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import HTTPTypes

extension ClerkClient {
    /// Sends any Backend API request, for operations you want to call by path (the `clerk api` command uses it).
    ///
    /// `path` is relative to the API version: `/users/user_123` (a leading `/v1` is accepted and dropped). Absolute
    /// URLs, `//host` paths, `.`/`..` segments (also percent-encoded), `?`, `#`, braces, backslashes (also `%5C`) and control characters are
    /// refused before anything is sent, so the request can only reach the configured API. The request gets the
    /// usual headers, retries, spans and error mapping; a non-2xx answer throws ``ClerkAPIResponseError``.
    ///
    /// - Returns: the successful response (status, headers, body).
    public func request(
        method: HTTPRequest.Method, path: String, query: [(name: String, value: String)] = [], json body: Data? = nil
    ) async throws -> ClerkHTTPResponse {
        guard [.get, .post, .put, .patch, .delete].contains(method) else {
            throw ClerkError(.invalidArgument, "HTTP method must be GET, POST, PUT, PATCH or DELETE")
        }
        let relative = try Self.validatedRelativePath(path)
        let operation = Endpoint.all.first { $0.method == method && Self.matches(template: $0.path, path: relative) }
        let endpoint = Endpoint(operationID: operation?.operationID ?? "Custom", method: method, path: relative)
        var items = QueryItems()
        for (name, value) in query { items.append(name, value) }
        return try await sendRaw(APIRequest(endpoint, query: items, body: body.map { .json($0) } ?? .none))
    }

    /// The path with a leading `/v1` removed, or an error saying why it is refused.
    static func validatedRelativePath(_ raw: String) throws -> String {
        guard raw.hasPrefix("/"), !raw.hasPrefix("//") else {
            throw ClerkError(.invalidArgument, "The path must be relative to the API, starting with one \"/\" (for example /users)")
        }
        guard !raw.contains("://"), !raw.contains("?"), !raw.contains("#"), !raw.contains("{"), !raw.contains("}"),
            !raw.contains("\\"), !raw.lowercased().contains("%5c"),
            !raw.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F })
        else {
            throw ClerkError(.invalidArgument, "The path may not contain a scheme, ?, #, braces, backslashes (also as %5C), spaces or control characters (pass query parameters separately)")
        }
        var path = raw
        if path == "/v1" || path.hasPrefix("/v1/") { path = String(path.dropFirst(3)) }
        if path.isEmpty { path = "/" }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            var current = String(segment)
            for _ in 0..<10 {
                if current == "." || current == ".." || current.contains("/") || current.contains("\\") {
                    throw ClerkError(.invalidArgument, "The path may not contain \".\" or \"..\" segments, or encoded slashes or backslashes")
                }
                guard let decoded = current.percentDecoded, decoded != current else { break }
                current = decoded
            }
        }
        return path
    }

    static func matches(template: String, path: String) -> Bool {
        let templateParts = template.split(separator: "/", omittingEmptySubsequences: false)
        let pathParts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard templateParts.count == pathParts.count else { return false }
        return zip(templateParts, pathParts).allSatisfy { $0.hasPrefix("{") ? !$1.isEmpty : $0 == $1 }
    }
}
