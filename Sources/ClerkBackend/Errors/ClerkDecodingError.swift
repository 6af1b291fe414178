/// A successful response whose body did not decode into the expected model.
///
/// Keeps the body (token and secret fields redacted) so you can see what the API actually sent.
public struct ClerkDecodingError: Error, Sendable, CustomStringConvertible {
    /// The operation whose response failed to decode.
    public let operationID: String
    /// HTTP status of the response.
    public let status: Int
    /// The `Content-Type` of the response, if any.
    public let contentType: String?
    /// What the decoder reported (the coding path and the problem).
    public let reason: String
    /// The response body with token and secret fields redacted, truncated to 16 KiB.
    public let redactedBody: String

    /// A decoding failure of `operationID`'s answer; `redactedBody` must already be redacted.
    public init(operationID: String, status: Int, contentType: String?, reason: String, redactedBody: String) {
        self.operationID = operationID
        self.status = status
        self.contentType = contentType
        self.reason = reason
        self.redactedBody = redactedBody
    }

    public var description: String {
        "ClerkDecodingError(operation: \(operationID), status: \(status), reason: \(reason), body: \(redactedBody.prefix(512)))"
    }
}
