import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Logging
import Testing

@Suite("Secrets never show")
struct SecrecyTests {
    static func assertNoSecret(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(testSecretKey), "\(what) shows the secret key", sourceLocation: sourceLocation)
        #expect(!text.contains("SeCrEtVaLuE"), "\(what) shows part of the secret key", sourceLocation: sourceLocation)
        #expect(!text.contains("whsec_TopSecretSigning"), "\(what) shows the webhook secret", sourceLocation: sourceLocation)
        #expect(!text.contains("ak_MachineSecretValue"), "\(what) shows the machine secret", sourceLocation: sourceLocation)
    }

    static func everyRendering(of value: Any) -> [String: String] {
        var dumped = ""
        dump(value, to: &dumped)
        var renderings = [
            "description": String(describing: value),
            "reflecting": String(reflecting: value),
            "interpolation": "\(value)",
            "dump": dumped,
            "mirror": Mirror(reflecting: value).children.map { "\($0.label ?? ""): \($0.value)" }.joined(separator: ","),
        ]
        if let custom = value as? any CustomDebugStringConvertible { renderings["debugDescription"] = custom.debugDescription }
        return renderings
    }

    @Test("Client and options: description, debugDescription, dump and Mirror")
    func clientAndOptions() throws {
        let options = ClerkOptions(
            secretKey: Secret(testSecretKey), machineSecretKey: "ak_MachineSecretValue123",
            webhookSigningSecret: "whsec_TopSecretSigning123456"
        )
        let client = try ClerkClient(options: options)
        for (name, text) in Self.everyRendering(of: options) { Self.assertNoSecret(text, "options \(name)") }
        for (name, text) in Self.everyRendering(of: client) { Self.assertNoSecret(text, "client \(name)") }
        for (name, text) in Self.everyRendering(of: options.secretKey as Any) { Self.assertNoSecret(text, "secret \(name)") }
        #expect(String(describing: options).contains("sk_test_…(redacted)"))
    }

    @Test("Errors of every kind, and the log output of failing and retried calls")
    func errorsAndLogs() async throws {
        let store = CapturingLogHandler.Store()
        var logger = Logger(label: "test", factory: { _ in CapturingLogHandler(store: store) })
        logger.logLevel = .trace
        try await withServer({ request in
            switch request.path {
            case "/v1/users/a": return .json(status: 401, #"{"errors":[{"code":"authentication_invalid","message":"Invalid key \#(testSecretKey)"}]}"#)
            case "/v1/users/b": return .json(#"{"nope": "\#(testSecretKey)"}"#)
            default: return .json(status: 503, "{}")
            }
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL, retryPolicy: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1))) {
                $0.logger = logger
            }
            var errors: [any Error] = []
            for id in ["a", "b", "c"] {
                do { _ = try await clerk.users.getUser(id) } catch { errors.append(error) }
            }
            do { _ = try await clerk.users.getUser("..") } catch { errors.append(error) }
            let dead = try makeClient(apiURL: URL(string: "http://127.0.0.1:1")!) { $0.logger = logger }
            do { _ = try await dead.users.getUser("x") } catch { errors.append(error) }
            #expect(errors.count == 5)
            for error in errors {
                for (name, text) in Self.everyRendering(of: error) { Self.assertNoSecret(text, "\(type(of: error)) \(name)") }
                if let response = error as? ClerkAPIResponseError { Self.assertNoSecret(response.redactedBody, "redactedBody") }
                if let decoding = error as? ClerkDecodingError { Self.assertNoSecret(decoding.redactedBody, "redactedBody") }
            }
            #expect(!store.all.isEmpty, "debug logs were written")
            Self.assertNoSecret(store.all, "log output")
            #expect(!store.all.contains("Bearer"))
        }
    }

    @Test("Nothing is logged above info")
    func logLevels() async throws {
        let store = CapturingLogHandler.Store()
        let logger = Logger(label: "test", factory: { _ in CapturingLogHandler(store: store) })
        try await withServer({ _ in .json(status: 500, "{}") }) { server in
            let clerk = try makeClient(apiURL: server.baseURL) { $0.logger = logger }
            _ = try? await clerk.users.getUser("x")
        }
        #expect(!store.all.contains("warning") && !store.all.contains("error ") && !store.all.contains("critical"))
    }
}
