import Metrics
import Tracing

/// The span and counter around every webhook verification.
///
/// - Span `verifyWebhook` (kind `internal`) with `clerk.webhook.result` (`ok` or the failure reason) and, once the
///   event is decoded, `clerk.webhook.event_type`. Never the secret, a signature or the body.
/// - Counter `clerk_webhook_verifications_total` with dimension `result`: `ok`, or the raw value of the
///   ``WebhookVerificationError/Reason`` (`no_matching_signature`, `timestamp_too_old`, …).
enum WebhookObservability {
    static let spanName = "verifyWebhook"
    static let counterLabel = "clerk_webhook_verifications_total"

    static func observe<T>(eventType: (T) -> String?, _ operation: () throws -> T) throws -> T {
        try withSpan(spanName, ofKind: .internal) { span in
            do {
                let result = try operation()
                if span.isRecording {
                    span.attributes["clerk.webhook.result"] = "ok"
                    if let type = eventType(result) { span.attributes["clerk.webhook.event_type"] = type }
                }
                count("ok")
                return result
            } catch {
                let reason = (error as? WebhookVerificationError)?.reason.rawValue ?? "error"
                span.attributes["clerk.webhook.result"] = reason
                span.setStatus(SpanStatus(code: .error, message: reason))
                count(reason)
                throw error
            }
        }
    }

    private static func count(_ result: String) {
        Counter(label: counterLabel, dimensions: [("result", result)]).increment()
    }
}
