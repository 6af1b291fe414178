#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Metrics
import HTTPTypes
import Tracing

/// A response body the SDK ignores (`204 No Content`, `202 Accepted`).
struct EmptyResponse: Decodable, Sendable {
    init() {}
    init(from decoder: any Decoder) throws {}
}

extension HTTPField.Name {
    static let clerkAPIVersion = HTTPField.Name("Clerk-API-Version")!
    static let cfRay = HTTPField.Name("CF-Ray")!
}

extension ClerkClient {
    /// Sends a request and decodes the JSON response into `T`.
    func send<T: Decodable & Sendable>(_ request: APIRequest, as type: T.Type = T.self) async throws -> T {
        let response = try await sendRaw(request)
        if T.self == EmptyResponse.self, let empty = EmptyResponse() as? T { return empty }
        do {
            return try ClerkJSONDecoder().decode(T.self, from: response.body)
        } catch {
            options.logger.debug(
                "Clerk API response did not decode",
                metadata: ["operation": "\(request.endpoint.operationID)", "status": "\(response.status.code)"]
            )
            throw ClerkDecodingError(
                operationID: request.endpoint.operationID,
                status: response.status.code,
                contentType: response.headerFields[fields: .contentType].first?.value,
                reason: ClerkClient.describe(error),
                redactedBody: Redaction.redactBody(response.body)
            )
        }
    }

    static let decoder = JSONDecoder()

    /// Sends a request with retries and returns the successful (2xx) response; throws for everything else.
    func sendRaw(_ request: APIRequest) async throws -> ClerkHTTPResponse {
        let operation = request.endpoint.operationID
        let method = request.endpoint.method
        let path = try request.resolvedPath()
        var urlString = versionedBase + path
        if !request.query.isEmpty { urlString += "?" + APIRequest.encodeQuery(request.query) }
        guard let url = URL(string: urlString) else {
            throw ClerkError(.invalidArgument, "The request URL for \(operation) is not a valid URL")
        }
        let headers = try makeHeaders(for: request)
        let body: Data? =
            switch request.body {
            case .none: nil
            case .json(let data): data
            case .multipart(let data, _): data
            }

        return try await withSpan(operation, ofKind: .client) { span in
            span.attributes["http.request.method"] = method.rawValue
            span.attributes["url.path"] = path
            span.attributes["clerk.operation_id"] = operation
            let result = try await sendWithRetries(
                operation: operation, method: method, path: path, url: url, headers: headers, body: body,
                retryNonIdempotent: request.retryNonIdempotent, retries: request.retries, span: span
            )
            span.attributes["http.response.status_code"] = result.status.code
            return result
        }
    }

    private func makeHeaders(for request: APIRequest) throws -> HTTPFields {
        var headers = HTTPFields()
        let bearer: Secret
        switch request.authorization {
        case .secretKey:
            guard let key = options.secretKey, !key.isEmpty else {
                throw ClerkError(.missingSecretKey, "Missing Clerk secret key: set ClerkOptions.secretKey or CLERK_SECRET_KEY (needed by \(request.endpoint.operationID))")
            }
            bearer = key
        case .machineSecretKeyOrSecretKey:
            if let key = options.machineSecretKey, !key.isEmpty {
                bearer = key
            } else if let key = options.secretKey, !key.isEmpty {
                bearer = key
            } else {
                throw ClerkError(.missingSecretKey, "Missing Clerk secret key or machine secret key (needed by \(request.endpoint.operationID))")
            }
        case .explicit(let secret):
            bearer = secret
        }
        headers[.authorization] = "Bearer " + bearer.revealed
        headers[.clerkAPIVersion] = ClerkBackendVersion.apiDateVersion
        headers[.userAgent] = userAgent
        headers[.accept] = "application/json"
        switch request.body {
        case .none: break
        case .json: headers[.contentType] = "application/json"
        case .multipart(_, let boundary): headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        }
        return headers
    }

    private func sendWithRetries(
        operation: String, method: HTTPRequest.Method, path: String, url: URL, headers: HTTPFields, body: Data?,
        retryNonIdempotent: Bool?, retries: Bool, span: any Span
    ) async throws -> ClerkHTTPResponse {
        let policy = options.retryPolicy
        let clock = options.clock
        let start = clock.now()
        let deadline = start.addingTimeInterval(policy.totalDeadline.seconds)
        let mayRetry = retries && policy.allowsRetry(method: method, overrideNonIdempotent: retryNonIdempotent)
        var attempt = 0
        var earlierAttemptMayHaveApplied = false
        let logger = options.logger

        while true {
            attempt += 1
            try Task.checkCancellation()
            let remaining = deadline.timeIntervalSince(clock.now())
            let timeout = min(options.requestTimeout, .milliseconds(Int64(max(remaining, 0.001) * 1000)))
            let request = ClerkHTTPRequest(method: method, url: url, headerFields: headers, body: body, timeout: timeout)

            let response: ClerkHTTPResponse
            do {
                response = try await transport.send(request)
            } catch let error as CancellationError {
                throw error
            } catch {
                var transportError =
                    (error as? ClerkTransportError) ?? ClerkTransportError(kind: .other, underlying: error)
                transportError.operationID = operation
                transportError.attempts = attempt
                ClerkClient.count("clerk_api_requests_total", operation: operation, status: "error")
                let wait = policy.backoff(forRetry: attempt, random: Double.random(in: 0..<1))
                if mayRetry, transportError.isRetryable, attempt < policy.maxAttempts,
                    clock.now().addingTimeInterval(wait.seconds) < deadline
                {
                    logger.debug(
                        "Retrying Clerk API call after a transport failure",
                        metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "kind": "\(transportError.kind)"]
                    )
                    ClerkClient.count("clerk_api_retries_total", operation: operation, status: nil)
                    earlierAttemptMayHaveApplied = true
                    try await clock.sleep(wait)
                    continue
                }
                span.attributes["clerk.attempts"] = attempt
                throw transportError
            }

            ClerkClient.count("clerk_api_requests_total", operation: operation, status: String(response.status.code))
            if response.status.kind == .successful {
                logger.debug(
                    "Clerk API call succeeded",
                    metadata: ["operation": "\(operation)", "status": "\(response.status.code)", "attempt": "\(attempt)"]
                )
                span.attributes["clerk.attempts"] = attempt
                return response
            }

            let retryAfter = ClerkClient.parseRetryAfter(response.headerFields[fields: .retryAfter].first?.value)
            if response.status == .tooManyRequests {
                ClerkClient.count("clerk_api_rate_limited_total", operation: operation, status: nil)
            }
            if mayRetry, policy.retryableStatuses.contains(response.status.code), attempt < policy.maxAttempts {
                var wait = policy.backoff(forRetry: attempt, random: Double.random(in: 0..<1))
                var allowed = true
                if let retryAfter {
                    let requested = Duration.seconds(retryAfter)
                    if requested > policy.maxRetryAfter { allowed = false }
                    wait = requested
                }
                if allowed, clock.now().addingTimeInterval(wait.seconds) < deadline {
                    logger.debug(
                        "Retrying Clerk API call",
                        metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "status": "\(response.status.code)"]
                    )
                    ClerkClient.count("clerk_api_retries_total", operation: operation, status: nil)
                    if response.status != .tooManyRequests { earlierAttemptMayHaveApplied = true }
                    try await clock.sleep(wait)
                    continue
                }
            }

            span.attributes["clerk.attempts"] = attempt
            throw ClerkClient.makeResponseError(
                response: response, operation: operation, method: method, path: path, attempts: attempt,
                retryAfter: retryAfter,
                notFoundAfterRetriedDelete: method == .delete && response.status == .notFound && earlierAttemptMayHaveApplied
            )
        }
    }

    static func makeResponseError(
        response: ClerkHTTPResponse, operation: String, method: HTTPRequest.Method, path: String, attempts: Int,
        retryAfter: Int?, notFoundAfterRetriedDelete: Bool
    ) -> ClerkAPIResponseError {
        struct ErrorBody: Decodable {
            var errors: [ClerkAPIError]?
            var clerk_trace_id: String?
        }
        let parsed = try? decoder.decode(ErrorBody.self, from: response.body)
        let traceID = parsed?.clerk_trace_id.flatMap { $0.isEmpty ? nil : $0 } ?? response.headerFields[fields: .cfRay].first?.value
        return ClerkAPIResponseError(
            status: response.status.code,
            errors: (parsed?.errors ?? []).map(Redaction.redactError),
            clerkTraceID: traceID,
            retryAfter: retryAfter,
            operationID: operation,
            method: method.rawValue,
            path: path,
            attempts: attempts,
            isNotFoundAfterRetriedDelete: notFoundAfterRetriedDelete,
            redactedBody: Redaction.redactBody(response.body)
        )
    }

    /// `Retry-After` as integer seconds; `nil` when absent or not a non-negative integer (as the JS SDK).
    static func parseRetryAfter(_ value: String?) -> Int? {
        guard let value = value?.trimmed, let seconds = Int(value), seconds >= 0 else {
            return nil
        }
        return seconds
    }

    static func count(_ label: String, operation: String, status: String?) {
        var dimensions = [("operation", operation)]
        if let status { dimensions.append(("status", status)) }
        Counter(label: label, dimensions: dimensions).increment()
    }

    static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return String(describing: error) }
        func pathString(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            return "missing key \(pathString(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "type mismatch at \(pathString(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "null at \(pathString(context.codingPath)): expected \(type)"
        case .dataCorrupted(let context):
            return "invalid JSON at \(pathString(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return String(describing: decodingError)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
