import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import NIOCore
import NIOFoundationCompat
import HTTPTypes
import NIOHTTP1
import Testing

@Suite("Emulator: fault injection, latency and the /_emulator/faults admin endpoint")
struct EmulatorFaultsTests {
    /// Quick retries, so tests do not wait for the default backoff.
    static let fastRetries = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50))

    @Test("faultRate 1 with status 503: the SDK retries (3 attempts) and finally fails with ClerkAPIResponseError 503")
    func sdkRetriesThenFails() async throws {
        let transport = CountingTransport()
        let options = EmulatorOptions(faultRate: 1, faultStatuses: [503])
        try await withOptionsEmulator(options, retryPolicy: Self.fastRetries, transport: transport) { emulator, clerk in
            // getCount: one request per attempt (getUserList sends two, the page and the count).
            let error = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.getCount() }
            #expect(error?.status == 503)
            #expect(error?.firstCode == "service_unavailable")
            #expect(error?.errors.first?.longMessage?.contains("fault injection") == true)
            #expect(error?.clerkTraceID?.hasPrefix("trace_") == true)
            #expect(transport.count == 3)

            let settings = try await adminRequest(emulator, "GET", key: emulator.secretKey)
            #expect(settings.status == 200)
            #expect(settings.json?["injected_count"] == 3)
            #expect(settings.json?["fault_rate"]?.doubleValue == 1)
            #expect(settings.json?["fault_statuses"] == [503])

            // A POST is not retried by default: one attempt, one fault, nothing created.
            await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["x@example.com"]))
            }
            #expect(transport.count == 4)
        }
    }

    @Test("Switching faults off through POST /_emulator/faults makes calls succeed")
    func switchOff() async throws {
        let transport = CountingTransport()
        let options = EmulatorOptions(faultRate: 1, faultStatuses: [429, 503])
        try await withOptionsEmulator(options, retryPolicy: .none, transport: transport) { emulator, clerk in
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.getCount() }

            let changed = try await adminRequest(emulator, "POST", key: emulator.secretKey, body: #"{"fault_rate": 0}"#)
            #expect(changed.status == 200)
            #expect(changed.json?["object"] == "emulator_faults")
            #expect(changed.json?["fault_rate"]?.doubleValue == 0)
            #expect(changed.json?["fault_statuses"] == [429, 503])  // untouched
            #expect(changed.json?["latency_ms"] == 0)

            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["on@example.com"]))
            #expect(try await clerk.users.getCount() == 1)
            #expect(try await clerk.users.getUser(user.id).id == user.id)

            // And on again, at run time: every call fails, the admin endpoint itself still answers.
            let on = try await adminRequest(emulator, "POST", key: emulator.secretKey, body: #"{"fault_rate": 1, "fault_statuses": [502]}"#)
            #expect(on.status == 200 && on.json?["fault_statuses"] == [502])
            let error = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.getCount() }
            #expect(error?.status == 502 && error?.firstCode == "bad_gateway")
            #expect(try await adminRequest(emulator, "GET", key: emulator.secretKey).json?["fault_rate"]?.doubleValue == 1)
        }
    }

    @Test("An injected 429 carries Retry-After: 1 in Clerk's error format, and the SDK reads it")
    func tooManyRequests() async throws {
        try await withOptionsEmulator(EmulatorOptions(faultRate: 1, faultStatuses: [429]), retryPolicy: .none) { emulator, clerk in
            let raw = try await rawHTTP(emulator, "GET", "/v1/users", key: emulator.secretKey)
            #expect(raw.status == 429)
            #expect(raw.headers.first(name: "retry-after") == "1")
            #expect(raw.headers.first(name: "x-clerk-trace-id")?.hasPrefix("trace_") == true)
            #expect(raw.json?["errors"]?[0]?["code"] == "too_many_requests")
            #expect(raw.json?["errors"]?[0]?["message"] != nil && raw.json?["errors"]?[0]?["long_message"] != nil)
            #expect(raw.json?["clerk_trace_id"]?.stringValue?.hasPrefix("trace_") == true)

            let error = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.getCount() }
            #expect(error?.status == 429 && error?.retryAfter == 1)
        }
    }

    @Test("The admin endpoint refuses a wrong or missing key with 401 in Clerk's format, and leaves the settings alone")
    func adminNeedsTheSecretKey() async throws {
        try await withOptionsEmulator(EmulatorOptions(faultRate: 1, faultStatuses: [503])) { emulator, _ in
            let wrong = try await adminRequest(emulator, "POST", key: "sk_test_wrong", body: #"{"fault_rate": 0}"#)
            #expect(wrong.status == 401)
            #expect(wrong.json?["errors"]?[0]?["code"] == "authentication_invalid")
            #expect(wrong.json?["clerk_trace_id"] != nil)
            let missing = try await adminRequest(emulator, "POST", key: nil, body: #"{"fault_rate": 0}"#)
            #expect(missing.status == 401 && missing.json?["errors"]?[0]?["code"] == "authorization_header_missing")
            #expect(try await adminRequest(emulator, "GET", key: "sk_test_wrong").status == 401)
            // Still faulting.
            #expect(try await adminRequest(emulator, "GET", key: emulator.secretKey).json?["fault_rate"]?.doubleValue == 1)
            #expect(try await rawHTTP(emulator, "GET", "/v1/users", key: emulator.secretKey).status == 503)
        }
    }

    @Test("The admin endpoint validates its body and is never routed as a Backend API operation")
    func adminValidation() async throws {
        try await withOptionsEmulator(EmulatorOptions()) { emulator, _ in
            for body in [
                #"{"fault_rate": 2}"#, #"{"fault_rate": "half"}"#, #"{"fault_statuses": [200]}"#,
                #"{"fault_rate": 0.5, "fault_statuses": []}"#, #"{"latency_ms": -1}"#, #"{"faultRate": 1}"#,
            ] {
                let answer = try await adminRequest(emulator, "POST", key: emulator.secretKey, body: body)
                #expect(answer.status == 422, "\(body)")
                #expect(answer.json?["errors"]?[0]?["code"]?.stringValue?.hasPrefix("form_param") == true, "\(body)")
            }
            #expect(try await adminRequest(emulator, "POST", key: emulator.secretKey, body: "[1]").status == 400)
            #expect(try await adminRequest(emulator, "GET", key: emulator.secretKey).json?["fault_rate"]?.doubleValue == 0)
            #expect(try await adminRequest(emulator, "DELETE", key: emulator.secretKey).status == 405)
            let unknown = try await rawHTTP(emulator, "GET", "/_emulator/other", key: emulator.secretKey)
            #expect(unknown.status == 404 && unknown.json?["errors"]?[0]?["code"] == "resource_not_found")
            // Trailing slash is the same endpoint.
            #expect(try await rawHTTP(emulator, "GET", "/_emulator/faults/", key: emulator.secretKey).status == 200)
        }
        // Bad settings at start are refused.
        await #expect(throws: EmulatorStartError.self) {
            _ = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, faultRate: 1.5))
        }
        await #expect(throws: EmulatorStartError.self) {
            _ = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, faultRate: 0.5, faultStatuses: []))
        }
    }

    @Test("Latency is added to every API response (errors and faults too), changeable at run time; a partial fault rate faults some requests")
    func latencyAndPartialRate() async throws {
        try await withOptionsEmulator(EmulatorOptions(latency: .milliseconds(600)), retryPolicy: .none) { emulator, clerk in
            var start = ContinuousClock.now
            _ = try await clerk.users.getCount()
            #expect(start.duration(to: .now) >= .milliseconds(600))
            start = ContinuousClock.now
            #expect(try await rawHTTP(emulator, "GET", "/v1/users", key: "sk_test_wrong").status == 401)
            #expect(start.duration(to: .now) >= .milliseconds(600))
            // The admin endpoint is never delayed: with 30 s of latency it still answers at once (10 s is a generous
            // bound for a loaded machine, far below the 30 s a delayed answer would take).
            _ = try await adminRequest(emulator, "POST", key: emulator.secretKey, body: #"{"latency_ms": 30000}"#)
            start = ContinuousClock.now
            #expect(try await adminRequest(emulator, "GET", key: emulator.secretKey).json?["latency_ms"] == 30000)
            #expect(start.duration(to: .now) < .seconds(10))
            let changed = try await adminRequest(emulator, "POST", key: emulator.secretKey, body: #"{"latency_ms": 0, "fault_rate": 0.5, "fault_statuses": [500]}"#)
            #expect(changed.json?["latency_ms"] == 0)

            var statuses: [Int] = []
            for _ in 0..<60 {
                statuses.append(try await rawHTTP(emulator, "GET", "/v1/users/count", key: emulator.secretKey).status)
            }
            #expect(Set(statuses) == [200, 500])
            let injected = try await adminRequest(emulator, "GET", key: emulator.secretKey).json?["injected_count"]?.intValue
            #expect(injected == Int64(statuses.filter { $0 == 500 }.count))
        }
    }
}

// MARK: - Helpers

/// Forwards to AsyncHTTPClient and counts the requests the SDK sends (retries included).
final class CountingTransport: ClerkHTTPTransport {
    private let inner = AsyncHTTPClientTransport()
    private let counter = AttemptCounter()

    var count: Int { counter.current }

    func send(_ request: ClerkHTTPRequest) async throws -> ClerkHTTPResponse {
        _ = counter.increment()
        return try await inner.send(request)
    }
}

/// `GET` or `POST` (or any method) `/_emulator/faults`.
func adminRequest(
    _ emulator: RunningEmulator, _ method: String, key: String?, body: String? = nil
) async throws -> (status: Int, json: JSONValue?) {
    let answer = try await rawHTTP(emulator, method, "/_emulator/faults", key: key, body: body)
    return (answer.status, answer.json)
}

/// A raw request to the emulator; answers the status, headers and JSON body.
func rawHTTP(
    _ emulator: RunningEmulator, _ method: String, _ path: String, key: String?, body: String? = nil
) async throws -> (status: Int, headers: HTTPHeaders, json: JSONValue?) {
    var request = HTTPClientRequest(url: emulator.apiURL.absoluteString + path)
    request.method = HTTPMethod(rawValue: method)
    if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    if let body {
        request.body = .bytes(ByteBuffer(string: body))
        request.headers.add(name: "Content-Type", value: "application/json")
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), response.headers, try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)))
}
