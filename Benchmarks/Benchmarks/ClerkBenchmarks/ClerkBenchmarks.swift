import Benchmark
import ClerkBackend
import ClerkTesting
import Crypto
import Foundation
import _CryptoExtras
import BenchmarkFixtures

// Every target is a ratio against a baseline measured in the same run (absolute times drift on shared machines).
// Baselines: raw RS256 verification with swift-crypto over the same key and bytes; HMAC-SHA256 over the same body;
// JSONSerialization over the same user page. `Benchmarks/ratios.py` turns the output into the README's table.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    // MARK: Tokens

    // The baseline runs in an async closure too, so both sides pay the same harness.
    Benchmark("Baseline: raw RS256 verify (swift-crypto)") { benchmark async in
        for _ in benchmark.scaledIterations {
            blackHole(
                Fixture.publicKey.isValidSignature(
                    Fixture.signature, for: SHA256.hash(data: Fixture.signingInput), padding: .insecurePKCS1v1_5
                )
            )
        }
    }

    Benchmark("Part: decodeJWT") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try decodeJWT(Fixture.token))
        }
    }

    Benchmark("verifyToken (networkless, RS256, realistic claims)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await Fixture.client.verifyToken(Fixture.token))
        }
    }

    Benchmark("authenticateRequest (Authorization header)") { benchmark in
        for _ in benchmark.scaledIterations {
            let state = try await Fixture.client.authenticateRequest(Fixture.headerRequest)
            precondition(state.isAuthenticated)
            blackHole(state)
        }
    }

    Benchmark("authenticateRequest (__session cookie, __client_uat, 10 other cookies)") { benchmark in
        for _ in benchmark.scaledIterations {
            let state = try await Fixture.client.authenticateRequest(Fixture.cookieRequest)
            precondition(state.isAuthenticated)
            blackHole(state)
        }
    }

    // MARK: Webhooks

    Benchmark("Baseline: HMAC-SHA256 over a 2 KB body (swift-crypto)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HMAC<SHA256>.authenticationCode(for: Fixture.hmacInput, using: Fixture.hmacKey))
        }
    }

    Benchmark("Webhook signature check (2 KB, no decode)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Fixture.verifier.verifySignature(body: Fixture.webhookBody, headers: Fixture.webhookHeaders))
        }
    }

    Benchmark("verifyWebhook with typed event decode (2 KB)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Fixture.verifier.verify(body: Fixture.webhookBody, headers: Fixture.webhookHeaders))
        }
    }

    // MARK: Models

    Benchmark("Baseline: JSONSerialization of a 500-user page", configuration: .init(timeUnits: .microseconds, maxDuration: .seconds(5))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONSerialization.jsonObject(with: Fixture.userPage))
        }
    }

    Benchmark("Decode a 500-user page into [User]", configuration: .init(timeUnits: .microseconds, maxDuration: .seconds(5))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ClerkJSONDecoder().decode([User].self, from: Fixture.userPage))
        }
    }

    Benchmark("Part: the same page with Foundation's JSONDecoder", configuration: .init(timeUnits: .microseconds, maxDuration: .seconds(5))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONDecoder().decode([User].self, from: Fixture.userPage))
        }
    }
}
