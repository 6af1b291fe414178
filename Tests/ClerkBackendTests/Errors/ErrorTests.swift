import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

@Suite("Errors: Clerk error bodies, transport failures, undecodable bodies")
struct ErrorTests {
    static let clerkErrorBody = """
        {"errors":[{"code":"form_identifier_exists","message":"That email address is taken.",
        "long_message":"That email address is taken. Please try another.",
        "meta":{"param_name":"email_address","email_addresses":["a@example.com"]}},
        {"code":"form_password_pwned","message":"Pwned","long_message":"Pwned password"}],
        "meta":{},"clerk_trace_id":"trace_abc123"}
        """

    @Test("A Clerk 422 body becomes ClerkAPIResponseError with every field")
    func clerkErrorBody() async throws {
        try await withServer({ _ in .json(status: 422, Self.clerkErrorBody) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do {
                _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["a@example.com"]))
                Issue.record("expected an error")
            } catch let error as ClerkAPIResponseError {
                #expect(error.status == 422)
                #expect(error.clerkTraceID == "trace_abc123")
                #expect(error.errors.count == 2)
                #expect(error.errors[0].code == .formIdentifierExists)
                #expect(error.errors[0].message == "That email address is taken.")
                #expect(error.errors[0].longMessage == "That email address is taken. Please try another.")
                #expect(error.errors[0].paramName == "email_address")
                #expect(error.errors[0].emailAddresses == ["a@example.com"])
                #expect(error.errors[1].code == .formPasswordPwned)
                #expect(error.operationID == "CreateUser")
                #expect(error.method == "POST")
                #expect(error.path == "/users")
                #expect(error.retryAfter == nil)
                #expect(String(describing: error).contains("form_identifier_exists"))
            }
        }
    }

    @Test("Error codes pattern-match in catch clauses")
    func patternMatching() async throws {
        try await withServer({ _ in .json(status: 422, Self.clerkErrorBody) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            var matched = false
            do {
                _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["a@example.com"]))
            } catch ClerkAPIError.Code.resourceNotFound {
                Issue.record("wrong code matched")
            } catch ClerkAPIError.Code.formIdentifierExists {
                matched = true
            }
            #expect(matched)
        }
    }

    @Test("5xx Clerk errors; the trace id falls back to the cf-ray header", arguments: [500, 502, 503])
    func serverErrors(status: Int) async throws {
        try await withServer({ _ in
            .json(status: status, #"{"errors":[{"code":"internal_clerk_error","message":"Oops","long_message":"Oops"}]}"#, headers: [("cf-ray", "8a1b2c3d4e-IAD")])
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do {
                _ = try await clerk.users.getUser("user_1")
                Issue.record("expected an error")
            } catch let error as ClerkAPIResponseError {
                #expect(error.status == status)
                #expect(error.code == .internalClerkError)
                #expect(error.clerkTraceID == "8a1b2c3d4e-IAD")
            }
        }
    }

    @Test("An HTML error page from a proxy is a ClerkAPIResponseError with no entries")
    func htmlErrorPage() async throws {
        try await withServer({ _ in
            var response = ClerkHTTPResponse(status: 502, body: Data("<html><body><h1>502 Bad Gateway</h1></body></html>".utf8))
            response.headerFields[.contentType] = "text/html"
            return response
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do {
                _ = try await clerk.users.getUser("user_1")
                Issue.record("expected an error")
            } catch let error as ClerkAPIResponseError {
                #expect(error.status == 502)
                #expect(error.errors.isEmpty)
                #expect(error.clerkTraceID == nil)
                #expect(error.redactedBody.contains("502 Bad Gateway"))
            }
        }
    }

    @Test("429 carries retryAfter from an integer Retry-After; an HTTP date gives nil")
    func retryAfterParsing() async throws {
        try await withServer({ request in
            let value = request.path.hasSuffix("/count") ? "Wed, 21 Oct 2015 07:28:00 GMT" : "30"
            return .json(status: 429, #"{"errors":[{"code":"too_many_requests","message":"slow"}]}"#, headers: [("Retry-After", value)])
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do { _ = try await clerk.users.getUser("u1") } catch let error as ClerkAPIResponseError {
                #expect(error.retryAfter == 30)
            }
            do { _ = try await clerk.users.getCount() } catch let error as ClerkAPIResponseError {
                #expect(error.retryAfter == nil)
            }
        }
    }

    @Test("A slow server: the request times out with ClerkTransportError.timeout")
    func timeout() async throws {
        try await withServer({ _ in
            try await Task.sleep(for: .seconds(30))
            return .json("{}")
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL) { $0.requestTimeout = .milliseconds(300) }
            let started = ContinuousClock.now
            do {
                _ = try await clerk.users.getUser("user_1")
                Issue.record("expected a timeout")
            } catch let error as ClerkTransportError {
                #expect(error.kind == .timeout)
                #expect(error.operationID == "GetUser")
            }
            // The call gives up long before the server would answer (30 s), even on a loaded machine.
            #expect(started.duration(to: .now) < .seconds(20))
        }
    }

    @Test("Connection refused is ClerkTransportError.connectionFailed")
    func connectionRefused() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .json("{}") }
        let url = server.baseURL
        try await server.shutdown()
        let clerk = try makeClient(apiURL: url)
        do {
            _ = try await clerk.users.getUser("user_1")
            Issue.record("expected a connection failure")
        } catch let error as ClerkTransportError {
            #expect(error.kind == .connectionFailed)
            #expect(error.isRetryable)
        }
    }

    @Test("A connection dropped mid-request is a transport error, retried for GET")
    func droppedConnection() async throws {
        let server = try await LoopbackHTTPServer.start { _ in throw DropConnection() }
        defer { Task { try? await server.shutdown() } }
        let clerk = try makeClient(apiURL: server.baseURL, retryPolicy: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10), jitter: false))
        await #expect(throws: ClerkTransportError.self) { try await clerk.users.getUser("user_1") }
        #expect(server.requests.count == 2)
    }

    @Test("Truncated and invalid JSON are ClerkDecodingError with the body kept", arguments: [
        #"{"id":"user_1","object":"user","#, "not json at all", #"{"id": 42}"#, "",
    ])
    func undecodable(body: String) async throws {
        try await withServer({ _ in .json(body) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do {
                _ = try await clerk.users.getUser("user_1")
                Issue.record("expected a decoding error")
            } catch let error as ClerkDecodingError {
                #expect(error.operationID == "GetUser")
                #expect(error.status == 200)
                #expect(!error.reason.isEmpty)
                if !body.isEmpty { #expect(error.redactedBody.contains(body.prefix(5))) }
            }
        }
    }

    @Test("Decoding errors redact tokens and secrets in the kept body")
    func decodingErrorRedacts() async throws {
        let body = #"{"object":"sign_in_token","token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln","secret":"ak_123456789abcdefghi","note":"key sk_live_abcdefghijklmnop123 leaked"}"#
        try await withServer({ _ in .json(body) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do {
                _ = try await clerk.users.getUser("user_1")
            } catch let error as ClerkDecodingError {
                #expect(!error.redactedBody.contains("eyJhbGciOiJSUzI1NiJ9"))
                #expect(!error.redactedBody.contains("ak_123456789abcdefghi"))
                #expect(!error.redactedBody.contains("sk_live_abcdefghijklmnop123"))
                #expect(error.redactedBody.contains("[REDACTED]"))
                #expect(error.redactedBody.contains("sign_in_token"))
            }
        }
    }
}
