#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Crypto
public import HTTPTypes

/// Verifies the signature of Clerk webhooks (Svix / Standard Webhooks), then decodes the event.
///
/// The Swift counterpart of `verifyWebhook` in `@clerk/backend`. Create one verifier per signing secret and keep it:
/// the secret is parsed once, here, and the verifier is `Sendable`, so one value serves every request.
///
/// ```swift
/// let verifier = try WebhookVerifier(signingSecret: Secret("whsec_…"))
/// let event = try verifier.verify(body: rawBodyBytes, headers: request.headers)
/// ```
///
/// **Pass the raw body.** The signature covers the exact bytes Clerk sent. Give the verifier the request body as it
/// arrived (`Data`, `[UInt8]`, or a `ByteBuffer`'s `readableBytesView`), never a value decoded and re-encoded as
/// JSON: re-encoding changes key order and spacing, and the signature no longer matches.
///
/// With Vapor (collect the body; ClerkVapor adds the overloads that take Vapor's `HTTPHeaders`):
///
/// ```swift
/// app.on(.POST, "webhooks", "clerk", body: .collect(maxSize: "1mb")) { req async throws -> HTTPStatus in
///     guard let body = req.body.data else { throw Abort(.badRequest) }
///     do {
///         let event = try verifier.verify(body: body.readableBytesView, headers: req.headers)
///         try await handle(event)
///         return .ok
///     } catch let error as WebhookVerificationError {
///         throw Abort(error.isConfigurationError ? .internalServerError : .badRequest)
///     }
/// }
/// ```
///
/// With Hummingbird 2 (its `request.headers` are swift-http-types' `HTTPFields`):
///
/// ```swift
/// router.post("webhooks/clerk") { request, context -> HTTPResponse.Status in
///     let body = try await request.body.collect(upTo: 1_048_576)
///     let event = try verifier.verify(body: body.readableBytesView, headers: request.headers)
///     try await handle(event)
///     return .ok
/// }
/// ```
///
/// **The algorithm** (that of the `standardwebhooks` / `svix` libraries, with `@clerk/backend`'s details):
/// - The headers are `svix-id`, `svix-timestamp`, `svix-signature`, or their Standard Webhooks names `webhook-id`,
///   `webhook-timestamp`, `webhook-signature`. Names are case-insensitive, values are trimmed, and a blank value
///   counts as missing. When a header appears under both names, the `svix-` one is used.
/// - The timestamp is read like JavaScript's `parseInt(value, 10)`: leading digits, so `1700000000.5` is
///   `1700000000`; no digits at all is ``WebhookVerificationError/Reason/invalidHeaders``. It must be within
///   ``tolerance`` of the clock's time, in either direction (the bounds themselves are accepted).
/// - The signed content is `"<id>.<timestamp as that integer>.<body bytes>"`, signed with HMAC-SHA256 under the
///   key that the secret's base64 encodes.
/// - The signature header is a space-separated list of `<version>,<base64 MAC>` entries; entries whose version is
///   not `v1` are skipped, and the webhook is authentic when any `v1` entry matches.
///
/// **Comparison.** As in `@clerk/backend`, each presented signature is compared, in constant time, as *text* with
/// the canonical base64 of the expected MAC: no attacker-supplied base64 is ever decoded, and the time taken does
/// not depend on how many leading characters match. (The verdict differs from verifiers that decode the presented
/// base64 first only for a non-canonical encoding of the correct MAC, which Svix never sends; it is rejected here.)
///
/// **Limits.** Bodies larger than ``maxBodySize`` and signature headers with more than ``maxSignatures`` entries are
/// refused before any HMAC is computed.
///
/// Printing or dumping a verifier never shows the secret.
public struct WebhookVerifier: Sendable, CustomStringConvertible, CustomReflectable {
    /// Five minutes, as Svix and `@clerk/backend`.
    public static let defaultTolerance: Duration = .seconds(300)
    /// 1 MiB.
    public static let defaultMaxBodySize = 1_048_576
    /// Ten entries in the signature header (Svix sends one per active secret: one, or two while rotating).
    public static let defaultMaxSignatures = 10

    /// How far the signed timestamp may be from the clock's time, in the past or the future (whole seconds count).
    public let tolerance: Duration
    /// The largest body accepted, in bytes.
    public let maxBodySize: Int
    /// The most entries accepted in the signature header.
    public let maxSignatures: Int
    /// The clock that decides whether the timestamp is within ``tolerance``.
    public let clock: ClerkClock

    private let key: SymmetricKey
    /// HMAC-SHA256 with the key already absorbed (its inner and outer pads): each verification copies it.
    private let keyedHMAC: HMAC<SHA256>
    private let toleranceSeconds: Int64
    private let maskedSecret: String

    /// Creates a verifier, parsing the secret once.
    ///
    /// - Parameters:
    ///   - signingSecret: the endpoint's signing secret from the Clerk Dashboard: `whsec_` (optional) followed by
    ///     standard base64. Surrounding whitespace is ignored.
    ///   - tolerance: how far the signed timestamp may be from now, either way (default 5 minutes).
    ///   - maxBodySize: the largest body accepted, in bytes (default 1 MiB).
    ///   - maxSignatures: the most entries accepted in the signature header (default 10).
    ///   - clock: the time source (default the system clock; tests pass a manual one).
    /// - Throws: ``WebhookVerificationError`` with ``WebhookVerificationError/Reason/missingSecret`` when the secret
    ///   is empty, ``WebhookVerificationError/Reason/invalidSecret`` when it is not base64 (or encodes no bytes),
    ///   ``WebhookVerificationError/Reason/invalidConfiguration`` for a negative tolerance or a cap below 1.
    ///   The message never contains the secret.
    public init(
        signingSecret: Secret,
        tolerance: Duration = WebhookVerifier.defaultTolerance,
        maxBodySize: Int = WebhookVerifier.defaultMaxBodySize,
        maxSignatures: Int = WebhookVerifier.defaultMaxSignatures,
        clock: ClerkClock = .system
    ) throws {
        guard tolerance >= .zero else {
            throw WebhookVerificationError(.invalidConfiguration, "The webhook timestamp tolerance must not be negative")
        }
        guard maxBodySize >= 1, maxSignatures >= 1 else {
            throw WebhookVerificationError(
                .invalidConfiguration, "maxBodySize and maxSignatures of a webhook verifier must be at least 1"
            )
        }
        key = try WebhookVerifier.parseKey(signingSecret)
        keyedHMAC = HMAC<SHA256>(key: key)
        maskedSecret = signingSecret.description
        self.tolerance = tolerance
        toleranceSeconds = tolerance.components.seconds
        self.maxBodySize = maxBodySize
        self.maxSignatures = maxSignatures
        self.clock = clock
    }

    // MARK: - Signature only

    /// Checks that the body and headers were signed with this verifier's secret within the tolerance, without
    /// decoding the body.
    ///
    /// - Parameters:
    ///   - body: the raw request body, exactly as received.
    ///   - headers: the request's headers as (name, value) pairs.
    /// - Returns: the verified message id and timestamp.
    /// - Throws: ``WebhookVerificationError``.
    @discardableResult
    public func verifySignature(
        body: some Collection<UInt8>, headers: some Sequence<(String, String)>
    ) throws -> VerifiedWebhook {
        try WebhookObservability.observe(eventType: { _ in nil }) {
            try checkSignature(body: body, headers: WebhookHeaderValues(headers))
        }
    }

    /// Checks the signature; the headers as a dictionary (names in any case).
    @discardableResult
    public func verifySignature(body: some Collection<UInt8>, headers: [String: String]) throws -> VerifiedWebhook {
        try WebhookObservability.observe(eventType: { _ in nil }) {
            try checkSignature(body: body, headers: WebhookHeaderValues(dictionary: headers))
        }
    }

    /// Checks the signature; the headers as swift-http-types' `HTTPFields` (what Hummingbird's `request.headers` is).
    @discardableResult
    public func verifySignature(body: some Collection<UInt8>, headers: HTTPFields) throws -> VerifiedWebhook {
        try WebhookObservability.observe(eventType: { _ in nil }) {
            try checkSignature(body: body, headers: WebhookHeaderValues(headers: headers))
        }
    }

    // MARK: - Signature and event

    /// Verifies the signature, then decodes the event.
    ///
    /// An event type without a typed model, or a payload that does not fit its model, still verifies: ``WebhookEvent/data``
    /// is then untyped: ``WebhookEventData/other`` (see ``WebhookEvent``).
    ///
    /// - Parameters:
    ///   - body: the raw request body, exactly as received (never re-encoded JSON).
    ///   - headers: the request's headers as (name, value) pairs.
    /// - Throws: ``WebhookVerificationError``; ``WebhookVerificationError/Reason/invalidPayload`` when the signature
    ///   is valid but the body is not a JSON object.
    public func verify(body: some Collection<UInt8>, headers: some Sequence<(String, String)>) throws -> WebhookEvent {
        try WebhookObservability.observe(eventType: { $0.type.rawValue }) {
            try verifyEvent(body: body, headers: WebhookHeaderValues(headers))
        }
    }

    /// Verifies the signature, then decodes the event; the headers as a dictionary (names in any case).
    public func verify(body: some Collection<UInt8>, headers: [String: String]) throws -> WebhookEvent {
        try WebhookObservability.observe(eventType: { $0.type.rawValue }) {
            try verifyEvent(body: body, headers: WebhookHeaderValues(dictionary: headers))
        }
    }

    /// Verifies the signature, then decodes the event; the headers as swift-http-types' `HTTPFields`.
    public func verify(body: some Collection<UInt8>, headers: HTTPFields) throws -> WebhookEvent {
        try WebhookObservability.observe(eventType: { $0.type.rawValue }) {
            try verifyEvent(body: body, headers: WebhookHeaderValues(headers: headers))
        }
    }

    // MARK: - Signing (for tests)

    /// Signs a body as Svix does, with this verifier's secret: for tests of your own webhook handlers.
    ///
    /// ```swift
    /// let body = Data(#"{"type":"user.created","object":"event","data":{…}}"#.utf8)
    /// let signature = verifier.sign(messageID: "msg_test", timestamp: 1_700_000_000, body: body)
    /// let headers = [("svix-id", "msg_test"), ("svix-timestamp", "1700000000"), ("svix-signature", signature)]
    /// ```
    ///
    /// - Returns: the value of the `svix-signature` header: `v1,<base64 HMAC-SHA256>`.
    public func sign(messageID: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        "v1," + expectedSignature(id: messageID, timestamp: timestamp, body: body)
    }

    /// The options and the secret's masked form (`whsec_…(redacted)`), never the secret.
    public var description: String {
        "WebhookVerifier(secret: \(maskedSecret), tolerance: \(tolerance), maxBodySize: \(maxBodySize), "
            + "maxSignatures: \(maxSignatures))"
    }

    /// A mirror that shows the options and the secret's masked form only (for `dump` and debuggers).
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "secret": maskedSecret, "tolerance": tolerance, "maxBodySize": maxBodySize,
                "maxSignatures": maxSignatures,
            ],
            displayStyle: .struct
        )
    }

    // MARK: - Implementation (no observability)

    func verifyEvent(body: some Collection<UInt8>, headers: WebhookHeaderValues) throws -> WebhookEvent {
        let verified = try checkSignature(body: body, headers: headers)
        return try WebhookEvent.decode(
            body: body as? Data ?? Data(body), messageID: verified.messageID, messageTimestamp: verified.date
        )
    }

    func checkSignature(body: some Collection<UInt8>, headers: WebhookHeaderValues) throws -> VerifiedWebhook {
        let (id, timestampText, signatureText) = try headers.required()
        let size = body.count
        guard size <= maxBodySize else {
            throw WebhookVerificationError(
                .bodyTooLarge, "The webhook body is \(size) bytes, more than the \(maxBodySize) bytes accepted"
            )
        }
        let timestamp: Int64
        switch WebhookSignatureHeader.parseTimestamp(timestampText) {
        case .invalid:
            throw WebhookVerificationError(
                .invalidHeaders, "Invalid Signature Headers: the webhook timestamp is not an integer"
            )
        case .overflow(let positive):
            throw positive ? tooNew(by: nil) : tooOld(by: nil)
        case .value(let value):
            timestamp = value
        }
        let entryCount = WebhookSignatureHeader.entryCount(signatureText)
        guard entryCount <= maxSignatures else {
            throw WebhookVerificationError(
                .tooManySignatures,
                "The webhook signature header has \(entryCount) entries, more than the \(maxSignatures) accepted"
            )
        }

        let now = WebhookVerifier.unixSeconds(clock.now())
        let (age, overflow) = now.subtractingReportingOverflow(timestamp)
        if overflow { throw timestamp < 0 ? tooOld(by: nil) : tooNew(by: nil) }
        if age > toleranceSeconds { throw tooOld(by: age) }
        if age < -toleranceSeconds { throw tooNew(by: -age) }

        // Every v1 entry is compared (no early exit), each in constant time.
        let expected = expectedSignatureText(id: id, timestamp: timestamp, body: body)
        let matched = WebhookSignatureHeader.anyV1Matches(signatureText, expected: expected)
        guard matched else {
            throw WebhookVerificationError(
                .noMatchingSignature,
                "No matching signature found: the body, id or timestamp was altered, the signing secret is not this "
                    + "endpoint's, or the body is not the exact raw bytes that were signed"
            )
        }
        return VerifiedWebhook(messageID: id, timestamp: timestamp)
    }

    private func tooOld(by seconds: Int64?) -> WebhookVerificationError {
        let detail = seconds.map { " (signed \($0) s ago; tolerance \(toleranceSeconds) s)" } ?? ""
        return WebhookVerificationError(.timestampTooOld, "Message timestamp too old\(detail)")
    }

    private func tooNew(by seconds: Int64?) -> WebhookVerificationError {
        let detail = seconds.map { " (\($0) s in the future; tolerance \(toleranceSeconds) s)" } ?? ""
        return WebhookVerificationError(.timestampTooNew, "Message timestamp too new\(detail)")
    }

    /// The base64 of HMAC-SHA256(key, `"<id>.<timestamp>.<body>"`).
    func expectedSignature(id: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        String(decoding: expectedSignatureText(id: id, timestamp: timestamp, body: body), as: UTF8.self)
    }

    /// The canonical base64 of HMAC-SHA256(key, `"<id>.<timestamp>.<body>"`), as ASCII bytes.
    func expectedSignatureText(id: String, timestamp: Int64, body: some Collection<UInt8>) -> [UInt8] {
        var hmac = keyedHMAC
        // `id.timestamp.body` in one buffer and one update: each call of swift-crypto's generic `update(data:)`
        // costs more than copying a body of a few kilobytes.
        let timestampText = String(timestamp)
        var message: [UInt8] = []
        message.reserveCapacity(id.utf8.count + timestampText.utf8.count + 2 + body.count)
        message.append(contentsOf: id.utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: timestampText.utf8)
        message.append(UInt8(ascii: "."))
        let copiedContiguously: Void? = body.withContiguousStorageIfAvailable { message.append(contentsOf: $0) }
        if copiedContiguously == nil { message.append(contentsOf: body) }
        message.withUnsafeBytes { hmac.update(data: $0) }
        return hmac.finalize().withUnsafeBytes { WebhookSignatureHeader.base64($0) }
    }

    // MARK: - Helpers

    static func parseKey(_ secret: Secret) throws -> SymmetricKey {
        var text = Substring(secret.revealed.trimmed)
        guard !text.isEmpty else {
            throw WebhookVerificationError(
                .missingSecret,
                "The webhook signing secret is empty. Copy it from the endpoint's page in the Clerk Dashboard."
            )
        }
        if text.hasPrefix("whsec_") { text = text.dropFirst("whsec_".count) }
        guard let bytes = Data(base64Encoded: String(text)), !bytes.isEmpty else {
            throw WebhookVerificationError(
                .invalidSecret,
                "The webhook signing secret must be whsec_ followed by standard base64, as shown in the Clerk Dashboard"
            )
        }
        return SymmetricKey(data: bytes)
    }

    /// Whole Unix seconds (rounded down, as `Math.floor(Date.now() / 1000)`), clamped to `Int64`.
    static func unixSeconds(_ date: Date) -> Int64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite else { return seconds > 0 ? .max : .min }
        if seconds >= 9.2e18 { return .max }
        if seconds <= -9.2e18 { return .min }
        return Int64(seconds)
    }

}

/// The id and timestamp of a webhook whose signature was verified.
public struct VerifiedWebhook: Sendable, Hashable {
    /// The `svix-id` (or `webhook-id`) header: the same on every delivery attempt of one message. Use it to process
    /// each message only once.
    public let messageID: String
    /// The signed timestamp, in Unix seconds (the header's integer part).
    public let timestamp: Int64

    /// Creates a value.
    public init(messageID: String, timestamp: Int64) {
        self.messageID = messageID
        self.timestamp = timestamp
    }

    /// The signed timestamp as a date.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(timestamp)) }
}

extension WebhookHeaderValues {
    /// The webhook headers of swift-http-types' `HTTPFields` (kept here: the header parsing file builds without
    /// HTTPTypes, for fuzzing).
    init(headers: HTTPFields) {
        self.init([(String, String)]())
        for field in headers { add(name: field.name.canonicalName, value: field.value) }
    }
}
