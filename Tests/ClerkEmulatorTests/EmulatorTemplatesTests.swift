import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Email and SMS templates (through raw requests: the SDK's template methods are deprecated) and the interstitial.
@Suite("Emulator: email and SMS templates, interstitial")
struct EmulatorTemplatesTests {
    @Test("List both types: the built-in catalogue, as a bare array or paginated")
    func listBothTypes() async throws {
        try await withEmulator { emulator, _ in
            let email = try await rawRequest(emulator, "GET", "/v1/templates/email", key: emulator.secretKey)
            #expect(email.status == 200)
            let emailItems = try #require(email.json?.arrayValue)
            let emailSlugs = emailItems.compactMap { $0["slug"]?.stringValue }
            for slug in ["verification_code", "reset_password_code", "invitation", "magic_link_sign_in", "organization_invitation", "password_changed"] {
                #expect(emailSlugs.contains(slug), "email template \(slug) is listed")
            }
            #expect(emailItems.allSatisfy { $0["object"] == "template" && $0["template_type"] == "email" })
            #expect(emailItems.allSatisfy { $0["subject"]?.stringValue?.isEmpty == false }, "email templates have a subject")
            #expect(emailItems.compactMap { $0["position"]?.intValue } == Array(0..<Int64(emailItems.count)))

            let sms = try await rawRequest(emulator, "GET", "/v1/templates/sms", key: emulator.secretKey)
            #expect(sms.status == 200)
            let smsItems = try #require(sms.json?.arrayValue)
            #expect(Set(smsItems.compactMap { $0["slug"]?.stringValue }) == ["verification_code", "reset_password_code", "invitation"])
            #expect(smsItems.allSatisfy { $0["template_type"] == "sms" && $0["subject"] == .null })

            let paged = try await rawRequest(emulator, "GET", "/v1/templates/email?paginated=true&limit=2&offset=1", key: emulator.secretKey)
            #expect(paged.status == 200)
            #expect(paged.json?["total_count"]?.intValue == Int64(emailItems.count))
            #expect(paged.json?["data"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } == Array(emailSlugs[1...2]))
        }
    }

    @Test("Get: a built-in template with its variables")
    func get() async throws {
        try await withEmulator { emulator, _ in
            let answer = try await rawRequest(emulator, "GET", "/v1/templates/email/verification_code", key: emulator.secretKey)
            #expect(answer.status == 200)
            let template = try #require(answer.json)
            #expect(template["slug"] == "verification_code" && template["template_type"] == "email")
            #expect(template["resource_type"] == "system" && template["can_revert"] == false)
            #expect(template["delivered_by_clerk"] == true)
            #expect(template["body"]?.stringValue?.contains("{{otp_code}}") == true)
            #expect(template["subject"]?.stringValue?.contains("{{otp_code}}") == true)
            #expect(template["required_variables"] == ["otp_code"])
            #expect(template["available_variables"]?.arrayValue?.contains("app.name") == true)

            let sms = try await rawRequest(emulator, "GET", "/v1/templates/sms/invitation", key: emulator.secretKey)
            #expect(sms.status == 200 && sms.json?["body"]?.stringValue?.contains("{{action_url}}") == true)
        }
    }

    @Test("Upsert stores a customised template that get and list then answer; a body without a required variable is refused")
    func upsertThenGet() async throws {
        try await withEmulator { emulator, _ in
            let upserted = try await rawRequest(
                emulator, "PUT", "/v1/templates/email/verification_code", key: emulator.secretKey,
                body: #"{"subject": "Your code: {{otp_code}}", "body": "<p>Code {{otp_code}}</p>", "from_email_name": "hello"}"#
            )
            #expect(upserted.status == 200)
            #expect(upserted.json?["resource_type"] == "user" && upserted.json?["can_revert"] == true)

            let fetched = try await rawRequest(emulator, "GET", "/v1/templates/email/verification_code", key: emulator.secretKey)
            #expect(fetched.json?["subject"] == "Your code: {{otp_code}}")
            #expect(fetched.json?["body"] == "<p>Code {{otp_code}}</p>")
            #expect(fetched.json?["from_email_name"] == "hello")
            #expect(fetched.json?["name"] == "Verification code", "an absent name stays")

            let listed = try await rawRequest(emulator, "GET", "/v1/templates/email", key: emulator.secretKey)
            let entry = listed.json?.arrayValue?.first { $0["slug"] == "verification_code" }
            #expect(entry?["subject"] == "Your code: {{otp_code}}")
            #expect(listed.json?.arrayValue?.first { $0["slug"] == "invitation" }?["resource_type"] == "system")

            let missingVariable = try await rawRequest(
                emulator, "PUT", "/v1/templates/email/verification_code", key: emulator.secretKey, body: #"{"body": "<p>No code here</p>"}"#
            )
            #expect(missingVariable.status == 422)
            let unchanged = try await rawRequest(emulator, "GET", "/v1/templates/email/verification_code", key: emulator.secretKey)
            #expect(unchanged.json?["body"] == "<p>Code {{otp_code}}</p>", "a refused upsert changes nothing")

            let badSender = try await rawRequest(
                emulator, "PUT", "/v1/templates/email/password_changed", key: emulator.secretKey, body: #"{"from_email_name": "not an address"}"#
            )
            #expect(badSender.status == 422)

            let sms = try await rawRequest(
                emulator, "PUT", "/v1/templates/sms/verification_code", key: emulator.secretKey, body: #"{"body": "{{otp_code}} for {{app.name}}"}"#
            )
            #expect(sms.status == 200 && sms.json?["body"] == "{{otp_code}} for {{app.name}}" && sms.json?["subject"] == .null)
        }
    }

    @Test("Preview renders the given or stored body with sample values")
    func preview() async throws {
        try await withEmulator { emulator, _ in
            let given = try await rawRequest(
                emulator, "POST", "/v1/templates/email/verification_code/preview", key: emulator.secretKey,
                body: #"{"subject": "{{otp_code}} for {{ app.name }}", "body": "<p>Code {{otp_code}} for {{app.name}}</p>"}"#
            )
            #expect(given.status == 200)
            #expect(given.json?["body"] == "<p>Code 424242 for Emulator</p>")
            #expect(given.json?["subject"] == "424242 for Emulator")
            #expect(given.json?["from_email_address"]?.stringValue?.hasPrefix("notifications@") == true)

            let stored = try await rawRequest(emulator, "POST", "/v1/templates/email/verification_code/preview", key: emulator.secretKey, body: "{}")
            #expect(stored.status == 200)
            let body = try #require(stored.json?["body"]?.stringValue)
            #expect(body.contains("424242") && body.contains("Emulator") && !body.contains("{{otp_code}}"))

            let sms = try await rawRequest(emulator, "POST", "/v1/templates/sms/reset_password_code/preview", key: emulator.secretKey, body: "{}")
            #expect(sms.status == 200 && sms.json?["body"] == "424242 is your password reset code for Emulator.")
            #expect(sms.json?["subject"] == .null)
        }
    }

    @Test("Toggle delivery flips delivered_by_clerk, or sets the value given")
    func toggleDelivery() async throws {
        try await withEmulator { emulator, _ in
            let path = "/v1/templates/sms/verification_code/toggle_delivery"
            let off = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: "{}")
            #expect(off.status == 200 && off.json?["delivered_by_clerk"] == false)
            let fetched = try await rawRequest(emulator, "GET", "/v1/templates/sms/verification_code", key: emulator.secretKey)
            #expect(fetched.json?["delivered_by_clerk"] == false, "the change is stored")
            let on = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: "{}")
            #expect(on.json?["delivered_by_clerk"] == true)
            let set = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: #"{"delivered_by_clerk": false}"#)
            #expect(set.json?["delivered_by_clerk"] == false)
            let again = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: #"{"delivered_by_clerk": false}"#)
            #expect(again.json?["delivered_by_clerk"] == false, "an explicit value is set, not flipped")
        }
    }

    @Test("Revert restores the built-in default")
    func revert() async throws {
        try await withEmulator { emulator, _ in
            let original = try await rawRequest(emulator, "GET", "/v1/templates/email/invitation", key: emulator.secretKey)
            let upserted = try await rawRequest(
                emulator, "PUT", "/v1/templates/email/invitation", key: emulator.secretKey,
                body: #"{"name": "Custom invitation", "subject": "Join us", "body": "<a href=\"{{action_url}}\">Join</a>", "delivered_by_clerk": false}"#
            )
            #expect(upserted.status == 200 && upserted.json?["subject"] == "Join us")

            let reverted = try await rawRequest(emulator, "POST", "/v1/templates/email/invitation/revert", key: emulator.secretKey)
            #expect(reverted.status == 200)
            #expect(reverted.json?["resource_type"] == "system" && reverted.json?["can_revert"] == false)
            #expect(reverted.json?["delivered_by_clerk"] == true)
            let fetched = try await rawRequest(emulator, "GET", "/v1/templates/email/invitation", key: emulator.secretKey)
            #expect(fetched.json == original.json, "the template is the default again")
            #expect(fetched.json?["name"] == "Invitation" && fetched.json?["subject"] != "Join us")
        }
    }

    @Test("An unknown slug answers 404 on every template operation")
    func unknownSlug() async throws {
        try await withEmulator { emulator, _ in
            let key = emulator.secretKey
            #expect(try await rawRequest(emulator, "GET", "/v1/templates/email/no_such_template", key: key).status == 404)
            #expect(try await rawRequest(emulator, "PUT", "/v1/templates/email/no_such_template", key: key, body: #"{"body": "x"}"#).status == 404)
            #expect(try await rawRequest(emulator, "POST", "/v1/templates/sms/magic_link_sign_in/revert", key: key).status == 404)
            #expect(try await rawRequest(emulator, "POST", "/v1/templates/sms/no_such_template/preview", key: key, body: "{}").status == 404)
            #expect(try await rawRequest(emulator, "POST", "/v1/templates/email/no_such_template/toggle_delivery", key: key, body: "{}").status == 404)
            let answer = try await rawRequest(emulator, "GET", "/v1/templates/sms/no_such_template", key: key)
            #expect(answer.json?["errors"]?.arrayValue?.first?["code"] == "resource_not_found")
        }
    }

    @Test("A template type other than email or sms answers 400")
    func badTemplateType() async throws {
        try await withEmulator { emulator, _ in
            let key = emulator.secretKey
            let list = try await rawRequest(emulator, "GET", "/v1/templates/fax", key: key)
            #expect(list.status == 400)
            #expect(list.json?["errors"]?.arrayValue?.first?["meta"]?["param_name"] == "template_type")
            #expect(try await rawRequest(emulator, "GET", "/v1/templates/fax/verification_code", key: key).status == 400)
            #expect(try await rawRequest(emulator, "POST", "/v1/templates/fax/verification_code/preview", key: key, body: "{}").status == 400)
            #expect(try await rawRequest(emulator, "POST", "/v1/templates/fax/verification_code/toggle_delivery", key: key, body: "{}").status == 400)
        }
    }

    @Test("Interstitial: 400 without a publishable key or frontend API, or with a malformed key (JSON errors, spec-checked)")
    func interstitialErrors() async throws {
        try await withEmulator { emulator, _ in
            let missing = try await rawRequest(emulator, "GET", "/v1/public/interstitial", key: nil)
            #expect(missing.status == 400)
            let malformed = try await rawRequest(emulator, "GET", "/v1/public/interstitial?publishable_key=pk_test_%21%21%21", key: emulator.secretKey)
            #expect(malformed.status == 400)
            #expect(malformed.json?["errors"]?.arrayValue?.first?["meta"]?["param_name"] == "publishable_key")
            let notAKey = try await rawRequest(emulator, "GET", "/v1/public/interstitial?publishable_key=sk_test_abc", key: emulator.secretKey)
            #expect(notAKey.status == 400)
        }
    }

    /// The spec lists the interstitial as public (`security: []`) and documents its 200 without a JSON schema: the
    /// page answers without a secret key, and the conformance check of `withEmulator` accepts the HTML.
    @Test("Interstitial: an HTML page naming the frontend API, without script, served without a secret key")
    func interstitialPage() async throws {
        try await withEmulator { emulator, _ in
            let key = try #require(emulator.publishableKey.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_"))))
            let byKey = try await Self.page(emulator, "/v1/public/interstitial?publishable_key=\(key)")
            #expect(byKey.status == 200)
            #expect(byKey.contentType?.hasPrefix("text/html") == true)
            #expect(byKey.text.hasPrefix("<!DOCTYPE html>") && byKey.text.contains("</html>"))
            #expect(byKey.text.contains("clerk.emulator.localhost:\(emulator.port)"), "the frontend API the key encodes")
            #expect(byKey.text.contains("handshake"))
            #expect(!byKey.text.lowercased().contains("<script"))

            let byFrontendAPI = try await Self.page(emulator, "/v1/public/interstitial?frontend_api=clerk.example.com")
            #expect(byFrontendAPI.status == 200 && byFrontendAPI.text.contains("clerk.example.com"))
            let escaped = try await Self.page(emulator, "/v1/public/interstitial?frontendApi=%3Cb%3Eevil")
            #expect(escaped.status == 200 && escaped.text.contains("&lt;b&gt;evil") && !escaped.text.contains("<b>evil"))

            // A wrong key is not looked at either (the page is public); every other operation still needs the key.
            let wrongKey = try await Self.page(emulator, "/v1/public/interstitial?frontend_api=clerk.example.com", key: "sk_test_wrong")
            #expect(wrongKey.status == 200)
            #expect(try await rawRequest(emulator, "GET", "/v1/jwks", key: nil).status == 401)
            #expect(try await rawRequest(emulator, "GET", "/v1/users", key: "sk_test_wrong").status == 401)
        }
    }

    /// A GET, without an Authorization header unless `key` is given; answers the status, content type and text.
    static func page(_ emulator: RunningEmulator, _ pathAndQuery: String, key: String? = nil) async throws -> (status: Int, contentType: String?, text: String) {
        var request = HTTPClientRequest(url: emulator.apiURL.absoluteString + pathAndQuery)
        request.method = .GET
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "content-type"), String(buffer: bytes))
    }
}
