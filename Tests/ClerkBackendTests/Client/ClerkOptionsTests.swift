import ClerkBackend
import HTTPTypes
import Configuration
import Foundation
import Testing

@Suite("ClerkOptions and the default instance")
struct ClerkOptionsTests {
    @Test("Every CLERK_* variable is read from an injected environment")
    func readsEnvironment() throws {
        let options = try ClerkOptions(environment: [
            "CLERK_SECRET_KEY": testSecretKey,
            "CLERK_MACHINE_SECRET_KEY": "ak_machinesecret0123456789",
            "CLERK_WEBHOOK_SIGNING_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "CLERK_API_URL": "http://127.0.0.1:8787",
            "CLERK_API_VERSION": "v1",
            "CLERK_JWT_KEY": "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----",
            "CLERK_PUBLISHABLE_KEY": "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
            "CLERK_DOMAIN": "satellite.example.com",
            "CLERK_IS_SATELLITE": "TRUE",
            "CLERK_PROXY_URL": "https://example.com/__clerk",
            "CLERK_SIGN_IN_URL": "/sign-in",
            "CLERK_SIGN_UP_URL": "/sign-up",
            "CLERK_TELEMETRY_DISABLED": "1",
            "CLERK_TELEMETRY_DEBUG": "false",
        ])
        #expect(options.secretKey?.revealed == testSecretKey)
        #expect(options.machineSecretKey?.revealed == "ak_machinesecret0123456789")
        #expect(options.webhookSigningSecret?.revealed == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(options.apiURL.absoluteString == "http://127.0.0.1:8787")
        #expect(options.apiVersion == "v1")
        #expect(options.jwtKey?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true)
        #expect(options.publishableKey == "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")
        #expect(options.domain == "satellite.example.com")
        #expect(options.isSatellite)
        #expect(options.proxyURL?.absoluteString == "https://example.com/__clerk")
        #expect(options.signInURL?.absoluteString == "/sign-in")
        #expect(options.signUpURL?.absoluteString == "/sign-up")
        #expect(options.telemetry == TelemetryOptions(disabled: true, debug: false))
    }

    @Test("Defaults: api.clerk.com, v1, nothing else set")
    func defaults() throws {
        let options = try ClerkOptions(environment: [:])
        #expect(options.secretKey == nil)
        #expect(options.apiURL.absoluteString == "https://api.clerk.com")
        #expect(options.apiVersion == "v1")
        #expect(!options.isSatellite)
        #expect(options.requestTimeout == .seconds(30))
        #expect(options.retryPolicy == .default)
    }

    @Test("Empty and blank variables count as unset")
    func blankIsUnset() throws {
        let options = try ClerkOptions(environment: ["CLERK_SECRET_KEY": "  ", "CLERK_API_URL": ""])
        #expect(options.secretKey == nil)
        #expect(options.apiURL.absoluteString == "https://api.clerk.com")
    }

    @Test("CLERK_IS_SATELLITE parses like the reference: true/false in any case, or an integer", arguments: [
        ("true", true), ("False", false), ("1", true), ("0", false), ("2", true), ("-1", false),
    ])
    func truthy(value: String, expected: Bool) throws {
        let options = try ClerkOptions(environment: ["CLERK_IS_SATELLITE": value])
        #expect(options.isSatellite == expected)
    }

    @Test("A non-boolean CLERK_IS_SATELLITE is a clear error")
    func badBoolean() throws {
        #expect(throws: ClerkError.self) { try ClerkOptions(environment: ["CLERK_IS_SATELLITE": "maybe"]) }
    }

    @Test("A URL variable that is not a URL is a clear error naming the variable", arguments: [
        "CLERK_API_URL", "CLERK_PROXY_URL", "CLERK_SIGN_IN_URL", "CLERK_SIGN_UP_URL",
    ])
    func badURL(variable: String) throws {
        let error = #expect(throws: ClerkError.self) { try ClerkOptions(environment: [variable: "http://exa mple.test"]) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains(variable) == true)
    }

    @Test("fromEnvironment without CLERK_SECRET_KEY throws missingSecretKey naming the variable")
    func missingSecretKey() throws {
        do {
            _ = try ClerkClient.fromEnvironment([:])
            Issue.record("expected an error")
        } catch let error as ClerkError {
            #expect(error.code == .missingSecretKey)
            #expect(error.message.contains("CLERK_SECRET_KEY"))
        }
    }

    @Test("A malformed secret key is refused without echoing it", arguments: [
        "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k", "sk_live_has space inside", "notakey123", "sk_test_",
    ])
    func malformedSecretKey(key: String) throws {
        do {
            _ = try ClerkClient.fromEnvironment(["CLERK_SECRET_KEY": key])
            Issue.record("expected an error for \(key)")
        } catch let error as ClerkError {
            #expect(error.code == .malformedSecretKey)
            #expect(!error.message.contains(key))
            #expect(!String(describing: error).contains(key))
        }
    }

    @Test("fromEnvironment builds a working client and applies configure")
    func fromEnvironment() throws {
        let client = try ClerkClient.fromEnvironment(["CLERK_SECRET_KEY": testSecretKey]) { options in
            options.requestTimeout = .seconds(5)
        }
        #expect(client.options.requestTimeout == .seconds(5))
        #expect(client.options.secretKey?.revealed == testSecretKey)
    }

    @Test("swift-configuration: keys map to CLERK_* variables and the secret key is read as secret")
    func configReader() throws {
        let provider = InMemoryProvider(values: [
            "clerk.secretKey": .init(.string(testSecretKey), isSecret: true),
            "clerk.apiURL": "http://localhost:8787",
            "clerk.isSatellite": "true",
            "clerk.domain": "sat.example.com",
        ])
        let client = try ClerkClient.fromConfig(ConfigReader(provider: provider))
        #expect(client.options.secretKey?.revealed == testSecretKey)
        #expect(client.options.apiURL.absoluteString == "http://localhost:8787")
        #expect(client.options.isSatellite)
        #expect(client.options.domain == "sat.example.com")

        let env = EnvironmentVariablesProvider(environmentVariables: ["CLERK_SECRET_KEY": testSecretKey, "CLERK_API_VERSION": "v1"])
        let fromEnv = try ClerkOptions(config: ConfigReader(provider: env))
        #expect(fromEnv.secretKey?.revealed == testSecretKey)
        #expect(fromEnv.apiVersion == "v1")
    }

    @Test("apiURL must be https, except on literal loopback (never *.localhost, resolved through DNS here)", arguments: [
        ("https://api.clerk.com", true), ("https://api.clerk.com/", true), ("http://127.0.0.1:8787", true),
        ("http://localhost:8787", true), ("http://[::1]:8787", true), ("http://emulator.localhost:8787", false),
        ("http://api.clerk.com", false), ("http://10.0.0.1", false), ("ftp://api.clerk.com", false),
        ("api.clerk.com", false), ("https://user:pw@api.clerk.com", false), ("https://api.clerk.com?x=1", false),
    ])
    func apiURLValidation(url: String, valid: Bool) {
        let result = Result { try ClerkClient(options: ClerkOptions(secretKey: Secret(testSecretKey), apiURL: URL(string: url)!)) }
        switch result {
        case .success: #expect(valid, "\(url) should be refused")
        case .failure(let error):
            #expect(!valid, "\(url) should be accepted: \(error)")
            #expect((error as? ClerkError)?.code == .invalidAPIURL)
        }
    }

    @Test("apiVersion must be one path segment")
    func apiVersionValidation() {
        #expect(throws: ClerkError.self) {
            try ClerkClient(options: ClerkOptions(secretKey: Secret(testSecretKey), apiVersion: "../v2"))
        }
        #expect(throws: ClerkError.self) {
            try ClerkClient(options: ClerkOptions(secretKey: Secret(testSecretKey), apiVersion: "v1/x"))
        }
    }

    @Test("Every createClerkClient option is accepted and kept")
    func everyOption() throws {
        let options = ClerkOptions(
            secretKey: Secret(testSecretKey), machineSecretKey: "ak_m", jwtKey: nil, publishableKey: "pk_test_x",
            domain: "d.example.com", isSatellite: true, satelliteAutoSync: true, proxyURL: URL(string: "https://p.example.com")!,
            sdkMetadata: SDKMetadata(name: "clerk-vapor", version: "1.0.0", environment: "production"),
            telemetry: TelemetryOptions(disabled: true, debug: true), userAgent: "my-agent/1",
            apiURL: URL(string: "https://api.clerk.com")!, apiVersion: "v1", audience: ["aud1"],
            requestTimeout: .seconds(3), retryPolicy: .none
        )
        let client = try ClerkClient(options: options)
        #expect(client.options.satelliteAutoSync == true)
        #expect(client.options.audience == ["aud1"])
        #expect(client.options.sdkMetadata?.name == "clerk-vapor")
        #expect(client.options.userAgent == "my-agent/1")
    }
}
