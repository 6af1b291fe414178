#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import ClerkBackend
public import HTTPTypes
import Synchronization

/// A transport that answers from a closure instead of the network, and records every request.
///
/// ```swift
/// let transport = InMemoryTransport { request in
///     .json(status: 200, #"{"object":"total_count","total_count":3}"#)
/// }
/// let clerk = try ClerkClient(options: ClerkOptions(secretKey: "sk_test_x", transport: transport))
/// ```
public final class InMemoryTransport: ClerkHTTPTransport {
    /// Answers one request.
    public typealias Handler = @Sendable (ClerkHTTPRequest) async throws -> ClerkHTTPResponse

    private let handler: Handler
    private let recorded = Mutex<[ClerkHTTPRequest]>([])

    /// A transport that answers every request with `handler` and records it.
    public init(handler: @escaping Handler) {
        self.handler = handler
    }

    /// Every request sent so far, in order.
    public var requests: [ClerkHTTPRequest] { recorded.withLock { $0 } }

    /// Records the request and answers it with the handler.
    public func send(_ request: ClerkHTTPRequest) async throws -> ClerkHTTPResponse {
        recorded.withLock { $0.append(request) }
        return try await handler(request)
    }
}

/// Canned answers for an ``InMemoryTransport`` handler.
extension ClerkHTTPResponse {
    /// A JSON response with the given status and body text.
    public static func json(status: HTTPResponse.Status = .ok, _ body: String, headers: [(String, String)] = []) -> ClerkHTTPResponse {
        var response = ClerkHTTPResponse(status: status, body: Data(body.utf8))
        response.headerFields[.contentType] = "application/json"
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { response.headerFields.append(HTTPField(name: name, value: value)) }
        }
        return response
    }

    /// A JSON response with the given status code and body text.
    public static func json(status code: Int, _ body: String, headers: [(String, String)] = []) -> ClerkHTTPResponse {
        json(status: HTTPResponse.Status(code: code), body, headers: headers)
    }
}
