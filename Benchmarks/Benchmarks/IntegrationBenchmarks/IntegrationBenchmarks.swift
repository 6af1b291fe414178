import AsyncHTTPClient
import Benchmark
import BenchmarkFixtures
import ClerkBackend
import ClerkEmulator
import ClerkHummingbird
import ClerkVapor
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore
import RouteFixtures
import Vapor

// The integrations, measured the way an app feels them. Each target is a ratio against a baseline in the same run:
// - a protected route (Clerk middleware + guard) against the same route without them, in-process (no sockets), for
//   Vapor and Hummingbird; the added cost is compared with the networkless verifyToken measured here too;
// - `users.all()` walking 10,000 users of an in-process emulator over loopback HTTP, against the same walk with
//   plain AsyncHTTPClient requests and JSONSerialization.

// MARK: The users walk

/// An emulator with 10,000 users (emails, phone numbers, metadata), started once for the walk benchmarks.
enum WalkFixture {
    static let userCount = 10_000
    static let pageSize = 500

    /// Started by the walk benchmarks' `setup` hook.
    nonisolated(unsafe) static var emulator: RunningEmulator!
    nonisolated(unsafe) static var client: ClerkClient!

    static func setUp() async throws {
        guard emulator == nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-walk-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let seed = directory.appendingPathComponent("seed.json")
        let users: [JSONValue] = (0..<userCount).map { index in
            [
                "email_address": [.string("walker\(index)@example.com")],
                "phone_number": [.string("+1555" + String(1_000_000 + index).suffix(7))],
                "first_name": "Walker", "last_name": .string("Number \(index)"), "username": .string("walker_\(index)"),
                "external_id": .string("ext-\(index)"),
                "public_metadata": ["role": "member", "plan": ["tier": 2, "seats": [1, 2, 3]]],
                "private_metadata": ["stripe": .string("cus_\(index)")], "unsafe_metadata": ["theme": "dark"],
            ]
        }
        try JSONEncoder().encode(JSONValue.object(["users": .array(users)])).write(to: seed)
        var logger = Logger(label: "emulator")
        logger.logLevel = .critical
        let emulator = try await ClerkEmulator.start(
            EmulatorOptions(
                port: 0, databasePath: directory.appendingPathComponent("walk.sqlite").path, seedFile: seed.path,
                logger: logger
            )
        )
        self.emulator = emulator
        client = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
    }

    /// The SDK: `users.all(pageSize: 500)`, counting users (nothing is kept).
    static func walkWithSDK() async throws -> Int {
        var count = 0
        for try await user in client.users.all(pageSize: pageSize) {
            blackHole(user.id)
            count += 1
        }
        return count
    }

    /// The baseline: the same requests (`limit`, `starting_after`) with AsyncHTTPClient, decoded by JSONSerialization.
    static func walkWithPlainHTTP() async throws -> Int {
        var count = 0
        var cursor: String?
        while true {
            var url = "\(emulator.apiURL)/v1/users?limit=\(pageSize)&order_by=-created_at"
            if let cursor { url += "&starting_after=\(cursor)" }
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Authorization", value: "Bearer \(emulator.secretKey)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
            guard let page = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]] else { break }
            for user in page { blackHole(user["id"]) }
            count += page.count
            guard page.count == pageSize, let last = page.last?["id"] as? String else { break }
            cursor = last
        }
        return count
    }
}

/// The process's resident memory now, from /proc/self/statm (0 where that file does not exist).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Runs `walk`, sampling resident memory every millisecond; returns the largest growth over the starting value, in
/// kilobytes. A walk that keeps pages (rather than handing users out one page at a time) grows by the whole list.
func residentGrowth(during walk: @Sendable () async throws -> Int) async throws -> (count: Int, growthKB: Int) {
    let start = residentBytes()
    let sampler = Task {
        var peak = start
        while !Task.isCancelled {
            peak = max(peak, residentBytes())
            try? await Task.sleep(for: .milliseconds(1))
        }
        return peak
    }
    let count = try await walk()
    sampler.cancel()
    let peak = max(await sampler.value, residentBytes())
    return (count, max(0, peak - start) / 1024)
}

let rssGrowth = BenchmarkMetric.custom("RSS growth during the walk (KB)")

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 20,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    Benchmark("verifyToken (networkless, same run as the routes)", configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(8))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await Fixture.client.verifyToken(Fixture.token))
        }
    }

    // The routes run in batches of 1,000 requests (times are per request).
    let vapor = Benchmark.Configuration(
        scalingFactor: .kilo, maxDuration: .seconds(8), setup: { try await VaporFixture.setUp() }
    )

    Benchmark("Vapor: open route (baseline)", configuration: vapor) { benchmark in
        try await VaporFixture.respond("/open/me", count: benchmark.scaledIterations.count)
    }

    Benchmark("Vapor: protected route (ClerkMiddleware + guard)", configuration: vapor) { benchmark in
        try await VaporFixture.respond("/protected/me", count: benchmark.scaledIterations.count)
    }

    let batched = Benchmark.Configuration(scalingFactor: .kilo, maxDuration: .seconds(8))

    Benchmark("Hummingbird: open route (baseline)", configuration: batched) { benchmark in
        for _ in benchmark.scaledIterations {
            let response = try await HummingbirdFixture.respond("/open/me")
            precondition(response.status == .ok)
        }
    }

    Benchmark("Hummingbird: protected route (ClerkAuthenticator + guard)", configuration: batched) { benchmark in
        for _ in benchmark.scaledIterations {
            let response = try await HummingbirdFixture.respond("/protected/me")
            precondition(response.status == .ok)
        }
    }

    let walk = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal, rssGrowth], timeUnits: .microseconds,
        warmupIterations: 1,
        maxDuration: .seconds(60),
        maxIterations: 7, setup: { try await WalkFixture.setUp() }
    )

    Benchmark("Baseline: walk 10,000 users with AsyncHTTPClient + JSONSerialization", configuration: walk) { benchmark in
        for _ in benchmark.scaledIterations {
            let (count, growth) = try await residentGrowth { try await WalkFixture.walkWithPlainHTTP() }
            precondition(count == WalkFixture.userCount, "walked \(count)")
            benchmark.measurement(rssGrowth, growth)
        }
    }

    Benchmark("users.all() walking 10,000 users, page size 500", configuration: walk) { benchmark in
        for _ in benchmark.scaledIterations {
            let (count, growth) = try await residentGrowth { try await WalkFixture.walkWithSDK() }
            precondition(count == WalkFixture.userCount, "walked \(count)")
            benchmark.measurement(rssGrowth, growth)
        }
    }
}
