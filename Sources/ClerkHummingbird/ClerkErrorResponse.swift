#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import ClerkBackend
public import Hummingbird
import HTTPTypes

/// One entry of a Clerk-style error body: `ClerkErrorBody.Entry` of ClerkBackend.
public typealias ClerkErrorEntry = ClerkErrorBody.Entry

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
    /// Clerk's `clerk_error` object (the reverification hint), when there is one.
    public var clerkError: JSONValue?
    /// Extra response headers.
    public var headers: HTTPFields

    /// Creates an error response.
    public init(status: HTTPResponse.Status, errors: [ClerkErrorEntry], clerkError: JSONValue? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.errors = errors
        self.clerkError = clerkError
        self.headers = headers
    }

    /// The error of a `ClerkErrorBody`.
    public init(_ body: ClerkErrorBody) {
        self.init(status: body.status, errors: body.errors, clerkError: body.clerkError, headers: body.headerFields)
    }

    /// `401`: `authentication_invalid`, with `WWW-Authenticate: Bearer`. `reason` (an `AuthReason` value) goes in
    /// `meta.reason` when given.
    public static func unauthorized(reason: String? = nil) -> ClerkHTTPError {
        ClerkHTTPError(.unauthenticated(reason: reason))
    }

    /// `403`: `authorization_invalid`.
    public static func forbidden() -> ClerkHTTPError {
        ClerkHTTPError(.forbidden())
    }

    /// `403` with Clerk's reverification hint (`clerk_error.reason = "reverification-error"`), which clerk-js's
    /// `useReverification` reads: throw it when `auth.has(reverification:)` is false.
    public static func reverificationRequired(_ config: ReverificationConfig) -> ClerkHTTPError {
        ClerkHTTPError(.reverificationRequired(config))
    }

    /// The JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The JSON response (`Content-Type: application/json`, `Cache-Control: no-store`).
    public func response() -> Response {
        let body = ClerkErrorBody(status: status, errors: errors, clerkError: clerkError)
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.json)))
    }
}
