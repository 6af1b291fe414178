import ClerkBackend
import HTTPTypes
import Foundation
import Testing

@Suite("ClerkErrorBody: one shape for the integrations' 401 and 403 answers")
struct ClerkErrorBodyTests {
    @Test("401 and 403 bodies are the Backend API's error shape; 401 carries WWW-Authenticate: Bearer")
    func shapes() {
        let unauthenticated = ClerkErrorBody.unauthenticated(reason: "session-token-missing")
        #expect(unauthenticated.status == 401 && unauthenticated.headerFields == [.wwwAuthenticate: "Bearer"])
        #expect(
            String(decoding: unauthenticated.json, as: UTF8.self)
                == #"{"errors":[{"code":"authentication_invalid","long_message":"You must be signed in to access this resource.","message":"Unauthenticated","meta":{"reason":"session-token-missing"}}]}"#
        )
        let forbidden = ClerkErrorBody.forbidden()
        #expect(forbidden.status == 403 && forbidden.headerFields.isEmpty)
        #expect(String(decoding: forbidden.json, as: UTF8.self).hasPrefix(#"{"errors":[{"code":"authorization_invalid","#))
    }

    @Test("The reverification answer carries clerk_error as clerk-js reads it")
    func reverification() throws {
        let body = ClerkErrorBody.reverificationRequired(.strict)
        #expect(body.status == 403)
        let json = try JSONDecoder().decode(JSONValue.self, from: body.json)
        #expect(json["clerk_error"]?["reason"] == "reverification-error" && json["clerk_error"]?["type"] == "forbidden")
        #expect(json["clerk_error"]?["metadata"]?["reverification"] == ["level": "second_factor", "afterMinutes": 10])
        #expect(json["errors"]?.arrayValue?.first?["code"] == "authorization_invalid")
        #expect(ClerkErrorBody.reverificationError(.strictMFA)["metadata"]?["reverification"]?["level"] == "multi_factor")
    }

    @Test("Webhook refusals: 500 for configuration, 413 past the limit, 400 with the reason and missing headers")
    func webhookRefusals() {
        #expect(ClerkErrorBody.webhookRefused(WebhookVerificationError(.missingSecret, "no secret")).status == 500)
        let large = ClerkErrorBody.webhookRefused(WebhookVerificationError(.bodyTooLarge, "too large"))
        #expect(large.status == 413 && large.errors.first?.code == "request_body_too_large")
        let missing = ClerkErrorBody.webhookRefused(WebhookVerificationError(.missingHeaders, "missing", missingHeaders: ["svix-id"]))
        #expect(missing.status == 400 && missing.errors.first?.meta == ["reason": "missing_headers", "missing_headers": "svix-id"])
    }
}
