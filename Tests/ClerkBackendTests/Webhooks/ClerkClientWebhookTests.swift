import ClerkBackend
import ClerkTesting
import Foundation
import Logging
import Metrics
import MetricsTestKit
import HTTPTypes
import NIOHTTP1
import Testing
import Tracing
import InMemoryTracing

@Suite("Webhooks: ClerkClient.verifyWebhook, observability")
struct ClerkClientWebhookTests {
    static func client(secret: String? = webhookTestSecret, now: Int64 = webhookTestNow, logs: CapturingLogHandler.Store? = nil)
        throws -> ClerkClient
    {
        let clock = ManualClock(now: Date(timeIntervalSince1970: TimeInterval(now)))
        var options = ClerkOptions(webhookSigningSecret: secret.map { Secret($0) }, clock: clock.clerkClock)
        if let logs { options.logger = Logger(label: "webhook-test") { _ in CapturingLogHandler(store: logs) } }
        return try ClerkClient(options: options)
    }

    @Test("Uses the option's secret and the client's clock")
    func optionSecret() throws {
        let body = try WebhookSpecExamples.body("user.created")
        let headers = try webhookSignedHeaders(body: body)
        let event = try Self.client().verifyWebhook(body: Data(body.utf8), headers: headers)
        #expect(event.type == .userCreated)
        #expect(event.data.user?.firstName == "John")
        // The client's clock decides the window.
        expectWebhookError(.timestampTooOld) {
            _ = try Self.client(now: webhookTestNow + 301).verifyWebhook(body: Data(body.utf8), headers: headers)
        }
    }

    @Test("An explicit secret wins over the option, both ways")
    func explicitSecret() throws {
        let body = webhookSmallBody
        let headers = try webhookSignedHeaders(body: body)
        let wrongOption = try Self.client(secret: otherWebhookSecret)
        #expect(try wrongOption.verifyWebhook(body: Data(body.utf8), headers: headers, signingSecret: Secret(webhookTestSecret)).messageID == "msg_test")
        expectWebhookError(.noMatchingSignature) { _ = try wrongOption.verifyWebhook(body: Data(body.utf8), headers: headers) }
        let rightOption = try Self.client()
        expectWebhookError(.noMatchingSignature) {
            _ = try rightOption.verifyWebhook(body: Data(body.utf8), headers: headers, signingSecret: Secret(otherWebhookSecret))
        }
        let noOption = try Self.client(secret: nil)
        #expect(try noOption.verifyWebhook(body: Array(body.utf8), headers: headers, signingSecret: Secret(webhookTestKey)).type == .userCreated)
    }

    @Test("No secret anywhere: missing_secret, naming the variable")
    func noSecret() throws {
        let headers = try webhookSignedHeaders(body: webhookSmallBody)
        let error = expectWebhookError(.missingSecret) {
            _ = try Self.client(secret: nil).verifyWebhook(body: Data(webhookSmallBody.utf8), headers: headers)
        }
        #expect(error?.message.contains("CLERK_WEBHOOK_SIGNING_SECRET") == true)
        #expect(error?.isConfigurationError == true)
        expectWebhookError(.missingSecret) { _ = try Self.client(secret: nil).makeWebhookVerifier() }
    }

    @Test("An explicitly passed empty secret does not fall back to the option")
    func emptyExplicitSecret() throws {
        let headers = try webhookSignedHeaders(body: webhookSmallBody)
        expectWebhookError(.missingSecret) {
            _ = try Self.client().verifyWebhook(body: Data(webhookSmallBody.utf8), headers: headers, signingSecret: Secret(""))
        }
        expectWebhookError(.invalidSecret) {
            _ = try Self.client().verifyWebhook(body: Data(webhookSmallBody.utf8), headers: headers, signingSecret: "whsec_")
        }
    }

    @Test("Headers as a dictionary or HTTPHeaders; makeWebhookVerifier keeps the client's clock")
    func overloads() throws {
        let client = try Self.client()
        let pairs = try webhookSignedHeaders(body: webhookSmallBody)
        let dictionary = Dictionary(uniqueKeysWithValues: pairs)
        let httpHeaders = HTTPFields(pairs.map { HTTPField(name: HTTPField.Name($0.0)!, value: $0.1) })
        #expect(try client.verifyWebhook(body: Data(webhookSmallBody.utf8), headers: dictionary).type == .userCreated)
        #expect(try client.verifyWebhook(body: Data(webhookSmallBody.utf8), headers: httpHeaders).type == .userCreated)
        let verifier = try client.makeWebhookVerifier()
        #expect(try verifier.verify(body: Data(webhookSmallBody.utf8), headers: httpHeaders).messageID == "msg_test")
        let late = try Self.client(now: webhookTestNow - 400).makeWebhookVerifier()
        expectWebhookError(.timestampTooNew) { _ = try late.verify(body: Data(webhookSmallBody.utf8), headers: pairs) }
    }

    @Test("Nothing the client prints or logs shows the webhook secret")
    func noLeaks() throws {
        let logs = CapturingLogHandler.Store()
        let client = try Self.client(logs: logs)
        let body = #"{"type":"user.created","object":"event","data":{"id":1}}"#
        let good = try webhookSignature(body: body)
        let event = try client.verifyWebhook(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        #expect(event.dataDecodingFailure != nil)
        expectWebhookError(.noMatchingSignature) {
            _ = try client.verifyWebhook(body: Data(body.utf8), headers: webhookSignedHeaders(secret: otherWebhookSecret, body: body))
        }
        #expect(logs.all.contains("did not decode"))
        #expect(logs.all.contains("no_matching_signature"))
        for text in [logs.all, String(describing: client), String(reflecting: client.options)] {
            expectNoWebhookSecret(in: text, also: [String(good.dropFirst(3))])
        }
    }

    @Test("A verifyWebhook span and the clerk_webhook_verifications_total counter, without secrets")
    func observability() throws {
        let (metrics, tracer) = TestObservability.shared
        func total(_ result: String) -> Int64 {
            (try? metrics.expectCounter("clerk_webhook_verifications_total", [("result", result)]).totalValue) ?? 0
        }
        let okBefore = total("ok")
        let mismatchBefore = total("no_matching_signature")
        let missingBefore = total("missing_headers")
        let secretBefore = total("missing_secret")

        let type = "observed.\(UInt32.random(in: 0...UInt32.max))"
        let body = #"{"type":"\#(type)","object":"event","data":{}}"#
        let good = try webhookSignature(body: body)
        let client = try Self.client()
        _ = try client.verifyWebhook(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        let verifier = try makeTestWebhookVerifier()
        _ = try verifier.verify(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        expectWebhookError(.noMatchingSignature) {
            try verifier.verifySignature(body: Data(body.utf8), headers: webhookSignedHeaders(secret: otherWebhookSecret, body: body))
        }
        expectWebhookError(.missingHeaders) { _ = try client.verifyWebhook(body: Data(body.utf8), headers: [(String, String)]()) }
        expectWebhookError(.missingSecret) {
            _ = try Self.client(secret: nil).verifyWebhook(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        }

        #expect(total("ok") >= okBefore + 2)
        #expect(total("no_matching_signature") >= mismatchBefore + 1)
        #expect(total("missing_headers") >= missingBefore + 1)
        #expect(total("missing_secret") >= secretBefore + 1)

        let spans = tracer.finishedSpans.filter {
            $0.operationName == "verifyWebhook" && $0.attributes["clerk.webhook.event_type"]?.toSpanAttribute() == .string(type)
        }
        #expect(spans.count == 2)
        #expect(spans.allSatisfy { $0.attributes["clerk.webhook.result"]?.toSpanAttribute() == .string("ok") })
        let failed = tracer.finishedSpans.filter {
            $0.operationName == "verifyWebhook" && $0.attributes["clerk.webhook.result"]?.toSpanAttribute() == .string("no_matching_signature")
        }
        #expect(!failed.isEmpty)
        #expect(failed.allSatisfy { $0.status?.code == .error })
        for span in tracer.finishedSpans where span.operationName == "verifyWebhook" {
            var text = ""
            span.attributes.forEach { key, value in text += "\(key)=\(value) " }
            text += span.errors.map { String(describing: $0.error) }.joined()
            expectNoWebhookSecret(in: text, also: [String(good.dropFirst(3))])
        }
    }
}
