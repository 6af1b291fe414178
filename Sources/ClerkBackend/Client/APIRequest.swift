#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Backend API call, before it is turned into HTTP.
struct APIRequest: Sendable {
    /// Which key goes in the `Authorization` header.
    enum Authorization: Sendable {
        /// The instance secret key (required).
        case secretKey
        /// The machine secret key when configured, else the secret key.
        case machineSecretKeyOrSecretKey
        /// An explicit bearer secret given by the caller.
        case explicit(Secret)
    }

    enum Body: Sendable {
        case none
        case json(Data)
        case multipart(Data, boundary: String)
    }

    var endpoint: Endpoint
    var pathParameters: [String]
    var query: QueryItems
    var body: Body
    var authorization: Authorization
    /// Per-call override of ``RetryPolicy/retryNonIdempotent``.
    var retryNonIdempotent: Bool?
    /// `false` for calls made while handling an incoming request (JWKS, handshake payload, refresh, machine-token
    /// verification): one attempt only, so a 429 or 5xx storm is never multiplied by retries.
    var retries: Bool

    init(
        _ endpoint: Endpoint,
        path pathParameters: [String] = [],
        query: QueryItems = QueryItems(),
        body: Body = .none,
        authorization: Authorization = .secretKey,
        retryNonIdempotent: Bool? = nil,
        retries: Bool = true
    ) {
        self.endpoint = endpoint
        self.pathParameters = pathParameters
        self.query = query
        self.body = body
        self.authorization = authorization
        self.retryNonIdempotent = retryNonIdempotent
        self.retries = retries
    }

    /// A request with a JSON body encoded from `value`.
    init(
        _ endpoint: Endpoint, path: [String] = [], query: QueryItems = QueryItems(), json value: some Encodable,
        authorization: Authorization = .secretKey,
        retryNonIdempotent: Bool? = nil,
        retries: Bool = true
    ) throws {
        let data: Data
        do {
            data = try APIRequest.encoder.encode(value)
        } catch {
            throw ClerkError(.encodingFailed, "The request body of \(endpoint.operationID) could not be encoded: \(error)")
        }
        self.init(
            endpoint, path: path, query: query, body: .json(data), authorization: authorization,
            retryNonIdempotent: retryNonIdempotent, retries: retries
        )
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Fills the path template, percent-encoding each parameter as exactly one segment.
    ///
    /// Rejects empty parameters and `.`/`..` (also percent-encoded, in up to 10 layers), so an untrusted id can never
    /// make the request reach another endpoint.
    func resolvedPath() throws -> String {
        let names = endpoint.pathParameterNames
        guard names.count == pathParameters.count else {
            throw ClerkError(.invalidArgument, "\(endpoint.operationID) takes \(names.count) path parameters, got \(pathParameters.count)")
        }
        var path = endpoint.path
        for (name, value) in zip(names, pathParameters) {
            try APIRequest.validatePathParameter(value, name: name)
            path = path.replacing("{\(name)}", with: APIRequest.percentEncodeSegment(value))
        }
        return path
    }

    static func validatePathParameter(_ value: String, name: String) throws {
        let trimmed = value.trimmed
        guard !trimmed.isEmpty else {
            throw ClerkError(.invalidPathParameter, "A valid resource ID is required (\(name) is empty)")
        }
        guard value.utf8.count <= 1024 else {
            throw ClerkError(.invalidPathParameter, "\(name) is too long")
        }
        var current = value
        for _ in 0..<10 {
            let pieces = current.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "/" || $0 == "\\" })
            if pieces.contains(where: { $0 == "." || $0 == ".." }) {
                throw ClerkError(.invalidPathParameter, "\(name) must not be \".\" or \"..\" (also percent-encoded)")
            }
            guard let decoded = current.percentDecoded, decoded != current else { return }
            current = decoded
        }
        throw ClerkError(.invalidPathParameter, "\(name) has too many layers of percent-encoding")
    }

    private static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    )

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncodeSegment(_ value: String) -> String {
        var output = ""
        output.reserveCapacity(value.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in value.utf8 {
            if unreserved.contains(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output.unicodeScalars.append("%")
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return output
    }

    static func encodeQuery(_ query: QueryItems) -> String {
        query.items.map { percentEncodeSegment($0.name) + "=" + percentEncodeSegment($0.value) }
            .joined(separator: "&")
    }
}

/// A multipart/form-data body builder (file uploads).
struct MultipartFormData {
    let boundary: String
    private(set) var data = Data()

    init(boundary: String = "clerk-swift-" + UUID().uuidString) {
        self.boundary = boundary
    }

    mutating func addFile(name: String, filename: String, contentType: String, content: Data) {
        append("--\(boundary)\r\n")
        append("Content-Disposition: form-data; name=\"\(MultipartFormData.escape(name))\"; filename=\"\(MultipartFormData.escape(filename))\"\r\n")
        append("Content-Type: \(contentType.filter { $0 != "\r" && $0 != "\n" })\r\n\r\n")
        data.append(content)
        append("\r\n")
    }

    mutating func addField(name: String, value: String) {
        append("--\(boundary)\r\n")
        append("Content-Disposition: form-data; name=\"\(MultipartFormData.escape(name))\"\r\n\r\n")
        append(value)
        append("\r\n")
    }

    func finished() -> Data {
        var copy = data
        copy.append(contentsOf: Array("--\(boundary)--\r\n".utf8))
        return copy
    }

    private mutating func append(_ text: String) { data.append(contentsOf: Array(text.utf8)) }

    private static func escape(_ value: String) -> String {
        value.replacing("\"", with: "%22").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
    }
}
