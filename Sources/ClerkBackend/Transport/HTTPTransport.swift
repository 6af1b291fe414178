#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import HTTPTypes

/// An HTTP request as the SDK hands it to a transport.
public struct ClerkHTTPRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// Absolute URL, already percent-encoded.
    public var url: URL
    /// Request header fields.
    public var headerFields: HTTPFields
    /// Request body, if any. Bodies are plain bytes, so every request (multipart included) can be replayed on retry.
    public var body: Data?
    /// Time allowed for this one attempt.
    public var timeout: Duration

    /// Creates a request.
    public init(method: HTTPRequest.Method, url: URL, headerFields: HTTPFields = [:], body: Data? = nil, timeout: Duration) {
        self.method = method
        self.url = url
        self.headerFields = headerFields
        self.body = body
        self.timeout = timeout
    }
}

/// An HTTP response as a transport returns it.
public struct ClerkHTTPResponse: Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// Response header fields.
    public var headerFields: HTTPFields
    /// The whole response body.
    public var body: Data

    /// Creates a response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: Data = Data()) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }
}

/// The one seam between ``ClerkClient`` and the network.
///
/// The default, ``AsyncHTTPClientTransport``, sends requests with AsyncHTTPClient. Tests (yours and ours) can
/// plug in an in-memory transport, for example `InMemoryTransport` from `ClerkTesting`.
///
/// A transport sends exactly one request and returns the response whatever its status; it throws only when no
/// response arrived. Throw ``ClerkTransportError`` to say why (connection failure, timeout); other errors are
/// wrapped as ``ClerkTransportError/Kind/other``. Retries, authentication headers and decoding are the client's
/// job, not the transport's.
public protocol ClerkHTTPTransport: Sendable {
    /// Sends one request and returns its response.
    func send(_ request: ClerkHTTPRequest) async throws -> ClerkHTTPResponse
}
