import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization
import Testing

@Suite("Retries: backoff, Retry-After, deadlines, idempotency")
struct RetryTests {
    static let countBody = #"{"object":"total_count","total_count":3}"#

    /// A transport that answers from a script of responses (or errors), one per attempt.
    static func scripted(_ script: [Result<ClerkHTTPResponse, ClerkTransportError>]) -> InMemoryTransport {
        let index = Mutex(0)
        return InMemoryTransport { _ in
            let step = index.withLock { value in
                defer { value += 1 }
                return value
            }
            guard step < script.count else { return .json(status: 500, "{}") }
            return try script[step].get()
        }
    }

    static func client(transport: InMemoryTransport, clock: ManualClock, policy: RetryPolicy) throws -> ClerkClient {
        try ClerkClient(
            options: ClerkOptions(
                secretKey: Secret(testSecretKey), retryPolicy: policy, transport: transport, clock: clock.clerkClock
            )
        )
    }

    static let noJitter = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(500), maxBackoff: .seconds(4), jitter: false)

    @Test("GET is retried on 429, 502, 503 and 504 with exponential backoff", arguments: [429, 502, 503, 504])
    func retriesStatuses(status: Int) async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success(.json(status: status, "{}")), .success(.json(status: status, "{}")), .success(.json(Self.countBody))])
        let clerk = try Self.client(transport: transport, clock: clock, policy: Self.noJitter)
        #expect(try await clerk.users.getCount() == 3)
        #expect(transport.requests.count == 3)
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
    }

    @Test("Statuses that are not retryable fail at once", arguments: [400, 401, 403, 404, 422, 500])
    func noRetryOnOtherStatuses(status: Int) async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success(.json(status: status, "{}")), .success(.json(Self.countBody))])
        let clerk = try Self.client(transport: transport, clock: clock, policy: Self.noJitter)
        await #expect(throws: ClerkAPIResponseError.self) { try await clerk.users.getCount() }
        #expect(transport.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("Retry-After is honoured instead of the backoff")
    func honoursRetryAfter() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success(.json(status: 429, "{}", headers: [("Retry-After", "7")])), .success(.json(Self.countBody))])
        let clerk = try Self.client(transport: transport, clock: clock, policy: Self.noJitter)
        #expect(try await clerk.users.getCount() == 3)
        #expect(clock.sleeps == [.seconds(7)])
    }

    @Test("A Retry-After beyond the deadline fails at once, carrying retryAfter")
    func retryAfterBeyondDeadline() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success(.json(status: 429, #"{"errors":[{"code":"too_many_requests","message":"Too many requests"}]}"#, headers: [("Retry-After", "120")])), .success(.json(Self.countBody))])
        var policy = Self.noJitter
        policy.totalDeadline = .seconds(30)
        policy.maxRetryAfter = .seconds(600)
        let clerk = try Self.client(transport: transport, clock: clock, policy: policy)
        do {
            _ = try await clerk.users.getCount()
            Issue.record("expected a 429 error")
        } catch let error as ClerkAPIResponseError {
            #expect(error.status == 429)
            #expect(error.retryAfter == 120)
            #expect(error.code == .tooManyRequests)
            #expect(error.attempts == 1)
        }
        #expect(transport.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("Attempts are bounded by maxAttempts")
    func boundedAttempts() async throws {
        let clock = ManualClock()
        let transport = Self.scripted(Array(repeating: .success(.json(status: 503, "{}")), count: 10))
        let clerk = try Self.client(transport: transport, clock: clock, policy: Self.noJitter)
        do {
            _ = try await clerk.users.getCount()
            Issue.record("expected an error")
        } catch let error as ClerkAPIResponseError {
            #expect(error.status == 503)
            #expect(error.attempts == 4)
        }
        #expect(transport.requests.count == 4)
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1), .seconds(2)])
    }

    @Test("Attempts are bounded by the total deadline")
    func boundedByDeadline() async throws {
        let clock = ManualClock()
        let transport = Self.scripted(Array(repeating: .success(.json(status: 503, "{}")), count: 10))
        var policy = Self.noJitter
        policy.maxAttempts = 10
        policy.totalDeadline = .seconds(2)
        let clerk = try Self.client(transport: transport, clock: clock, policy: policy)
        await #expect(throws: ClerkAPIResponseError.self) { try await clerk.users.getCount() }
        // 0.5 s + 1 s fit in 2 s; the next wait (2 s) would cross the deadline.
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
        #expect(transport.requests.count == 3)
    }

    @Test("Connection failures and timeouts are retried for GET")
    func retriesTransportFailures() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([
            .failure(ClerkTransportError(kind: .connectionFailed)), .failure(ClerkTransportError(kind: .timeout)),
            .success(.json(Self.countBody)),
        ])
        let clerk = try Self.client(transport: transport, clock: clock, policy: Self.noJitter)
        #expect(try await clerk.users.getCount() == 3)
        #expect(transport.requests.count == 3)
    }

    @Test("POST and PATCH are not retried unless the caller opts in")
    func nonIdempotent() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.success(.json(status: 503, "{}")), .success(.json(try Fixtures.userJSON()))])
        let clerk = try Self.client(transport: transport, clock: clock, policy: Self.noJitter)
        await #expect(throws: ClerkAPIResponseError.self) { try await clerk.users.banUser("user_1") }
        #expect(transport.requests.count == 1)

        var optIn = Self.noJitter
        optIn.retryNonIdempotent = true
        let transport2 = Self.scripted([.success(.json(status: 503, "{}")), .success(.json(try Fixtures.userJSON()))])
        let clerk2 = try Self.client(transport: transport2, clock: clock, policy: optIn)
        let user = try await clerk2.users.banUser("user_1")
        #expect(user.id == "user_2NNEqL2nrIRdJ194ndJqAHwEfxC")
        #expect(transport2.requests.count == 2)
    }

    @Test("Multipart bodies are replayed byte for byte on retry")
    func multipartReplay() async throws {
        let clock = ManualClock()
        let transport = Self.scripted([.failure(ClerkTransportError(kind: .connectionFailed)), .success(.json(try Fixtures.userJSON()))])
        var policy = Self.noJitter
        policy.retryNonIdempotent = true
        let clerk = try Self.client(transport: transport, clock: clock, policy: policy)
        _ = try await clerk.users.updateUserProfileImage("user_1", file: Data([0x89, 0x50, 0x4E, 0x47]), filename: "a.png", contentType: "image/png")
        #expect(transport.requests.count == 2)
        #expect(transport.requests[0].body == transport.requests[1].body)
        #expect(transport.requests[1].body?.isEmpty == false)
    }

    @Test("A retried DELETE that ends in 404 is reported as probably done")
    func deleteNotFoundAfterRetry() async throws {
        let clock = ManualClock()
        let notFound = ClerkHTTPResponse.json(status: 404, #"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#)
        let transport = Self.scripted([.failure(ClerkTransportError(kind: .timeout)), .success(notFound)])
        let clerk = try Self.client(transport: transport, clock: clock, policy: Self.noJitter)
        do {
            _ = try await clerk.users.deleteUser("user_1")
            Issue.record("expected 404")
        } catch let error as ClerkAPIResponseError {
            #expect(error.status == 404)
            #expect(error.isNotFoundAfterRetriedDelete)
            #expect(error.attempts == 2)
        }
        // A plain 404 on the first attempt is not flagged.
        let plain = Self.scripted([.success(notFound)])
        let clerk2 = try Self.client(transport: plain, clock: clock, policy: Self.noJitter)
        do {
            _ = try await clerk2.users.deleteUser("user_1")
        } catch let error as ClerkAPIResponseError {
            #expect(!error.isNotFoundAfterRetriedDelete)
        }
    }

    @Test("Jitter keeps each wait between half and all of the backoff")
    func jitterBounds() async throws {
        let clock = ManualClock()
        let transport = Self.scripted(Array(repeating: .success(.json(status: 503, "{}")), count: 3) + [.success(.json(Self.countBody))])
        var policy = Self.noJitter
        policy.jitter = true
        let clerk = try Self.client(transport: transport, clock: clock, policy: policy)
        _ = try await clerk.users.getCount()
        let expected: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2)]
        #expect(clock.sleeps.count == 3)
        for (wait, full) in zip(clock.sleeps, expected) {
            #expect(wait >= full / 2 && wait <= full)
        }
    }

    @Test("429 with Retry-After over real HTTP: the server sees the retry after the requested delay")
    func retryAfterOverLoopback() async throws {
        let hits = Mutex(0)
        try await withServer({ _ in
            let n = hits.withLock { value in
                value += 1
                return value
            }
            if n == 1 {
                return .json(status: 429, #"{"errors":[{"code":"too_many_requests","message":"Slow down"}]}"#, headers: [("Retry-After", "1")])
            }
            return .json(Self.countBody)
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL, retryPolicy: RetryPolicy(maxAttempts: 3, jitter: false))
            #expect(try await clerk.users.getCount() == 3)
            let times = server.requests.map(\.receivedAt)
            #expect(times.count == 2)
            let spacing = times[0].duration(to: times[1])
            #expect(spacing >= .milliseconds(950), "retried after \(spacing)")
        }
    }
}
