@testable import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

@Suite("Publishable keys and cookie suffixes")
struct PublishableKeyTests {
    @Test("pk_test_ and pk_live_ keys decode to their Frontend API host and instance type", arguments: [
        ("pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "clerk.inspired.puma-74.lcl.dev", false),
        ("pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "clerk.inspired.puma-74.lcl.dev", true),
        (AuthKeys.pkTest, "clerk.example.test", false),
        (AuthKeys.pkLive, "clerk.example.test", true),
        (AuthKeys.publishableKey("pk_live_", padded: true), "clerk.example.test", true),
        (AuthKeys.publishableKey("pk_test_", host: "foo-bar-13.clerk.accounts.dev"), "foo-bar-13.clerk.accounts.dev", false),
    ])
    func valid(_ vector: (key: String, host: String, production: Bool)) throws {
        let (key, host, production) = vector
        let pk = try PublishableKey(key)
        #expect(pk.frontendAPI == host)
        #expect(pk.isProduction == production)
        #expect(pk.instanceType == (production ? .production : .development))
        #expect(pk.key == key)
    }

    @Test("An empty key is reported as missing")
    func missing() {
        for key in ["", "   "] {
            do {
                _ = try PublishableKey(key)
                Issue.record("accepted \(key.debugDescription)")
            } catch let error as ClerkError {
                #expect(error.code == .invalidPublishableKey)
                #expect(error.message.hasPrefix("Publishable key is missing"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    static let invalidKeys: [String] = [
        "pk_test_",
        "pk_test",
        "pk_prod_" + "Y2xlcmsuZXhhbXBsZS50ZXN0JA",
        "sk_test_Y2xlcmsuZXhhbXBsZS50ZXN0JA",
        "PK_TEST_Y2xlcmsuZXhhbXBsZS50ZXN0JA",
        "pk_test_Y2xlcmsuZXhhbXBsZS50ZXN0JA_extra",
        "pk_test_!!!notbase64!!!",
        // Valid base64, but no terminating `$`.
        "pk_test_" + Data("clerk.example.test".utf8).base64EncodedString(),
        // Two `$`.
        "pk_test_" + Data("clerk.example.test$$".utf8).base64EncodedString(),
        // `$` inside the host.
        "pk_test_" + Data("clerk.exa$mple.test$".utf8).base64EncodedString(),
        // No dot in the host.
        "pk_test_" + Data("localhost$".utf8).base64EncodedString(),
        // Only `$`.
        "pk_live_" + Data("$".utf8).base64EncodedString(),
    ]

    @Test("Malformed keys are refused as not valid", arguments: invalidKeys)
    func invalid(key: String) {
        do {
            _ = try PublishableKey(key)
            Issue.record("accepted \(key)")
        } catch let error as ClerkError {
            #expect(error.code == .invalidPublishableKey)
            #expect(error.message.hasPrefix("Publishable key not valid (expected format: pk_test_... or pk_live_...)"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("Cookie suffix vectors of the reference (§2.5)", arguments: [
        ("pk_live_Y2xlcmsuY2xlcmsuZGV2JA", "1Z8AzTQD"),
        ("pk_test_Y2xlcmsuY2xlcmsuZGV2JA", "QvfNY2dr"),
        ("pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "MqCvchyS"),
        ("pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "vWCgMp3A"),
    ])
    func cookieSuffix(key: String, suffix: String) throws {
        #expect(try PublishableKey(key).cookieSuffix == suffix)
    }

    @Test("The cookie suffix is 8 URL-safe characters (no +, / or =)")
    func suffixAlphabet() throws {
        var sawURLSafeMapping = false
        for index in 0..<200 {
            let key = AuthKeys.publishableKey(index % 2 == 0 ? "pk_test_" : "pk_live_", host: "clerk.app\(index).example.test")
            let pk = try PublishableKey(key)
            let suffix = pk.cookieSuffix
            #expect(suffix.count == 8)
            #expect(suffix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "\(suffix)")
            if suffix.contains("-") || suffix.contains("_") { sawURLSafeMapping = true }
        }
        #expect(sawURLSafeMapping, "200 keys should include a suffix where + or / was mapped")
    }
}
