#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import Hummingbird

/// One entry of a Clerk-style error body: `{"errors":[{"code","message","long_message","meta"}]}`, the shape of
/// Clerk's own API errors, so one client-side error handler serves both.
public struct ClerkErrorEntry: Sendable, Hashable, Encodable {
    /// A machine-readable code (`authentication_invalid`, `authorization_invalid`, …).
    public var code: String
    /// A short message.
    public var message: String
    /// A longer explanation.
    public var longMessage: String
    /// Extra details (for example the authentication `reason` on development instances).
    public var meta: [String: String]?

    /// Creates an entry.
    public init(code: String, message: String, longMessage: String, meta: [String: String]? = nil) {
        self.code = code
        self.message = message
        self.longMessage = longMessage
        self.meta = meta
    }

    enum CodingKeys: String, CodingKey {
        case code, message, meta
        case longMessage = "long_message"
    }
}

/// A Clerk-style JSON error response: `{"errors":[…]}` with a status (401, 403, 400…).
///
/// Thrown by ``ClerkAuthorizationMiddleware`` (403) and usable from your own handlers:
///
/// ```swift
/// guard context.auth.has(role: "org:admin") else { throw ClerkHTTPError.forbidden() }
/// ```
public struct ClerkHTTPError: HTTPResponseError, Sendable {
    /// The response status.
    public var status: HTTPResponse.Status
    /// The error entries of the body.
    public var errors: [ClerkErrorEntry]
    /// Extra response headers.
    public var headers: HTTPFields

    /// Creates an error response.
    public init(status: HTTPResponse.Status, errors: [ClerkErrorEntry], headers: HTTPFields = [:]) {
        self.status = status
        self.errors = errors
        self.headers = headers
    }

    /// `401`: `authentication_invalid`, with `WWW-Authenticate: Bearer`. `reason` (an `AuthReason` value) goes in
    /// `meta.reason` when given.
    public static func unauthorized(reason: String? = nil) -> ClerkHTTPError {
        ClerkHTTPError(
            status: .unauthorized,
            errors: [
                ClerkErrorEntry(
                    code: "authentication_invalid", message: "Unauthenticated",
                    longMessage: "This request needs a valid Clerk session token or machine token.",
                    meta: reason.map { ["reason": $0] }
                )
            ],
            headers: [.wwwAuthenticate: "Bearer"]
        )
    }

    /// `403`: `authorization_invalid`.
    public static func forbidden() -> ClerkHTTPError {
        ClerkHTTPError(
            status: .forbidden,
            errors: [
                ClerkErrorEntry(
                    code: "authorization_invalid", message: "Forbidden",
                    longMessage: "You are not authorized to perform this request."
                )
            ]
        )
    }

    /// The JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The JSON response (`Content-Type: application/json`, `Cache-Control: no-store`).
    public func response() -> Response {
        struct Body: Encodable { let errors: [ClerkErrorEntry] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(errors: errors))) ?? Data(#"{"errors":[]}"#.utf8)
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
