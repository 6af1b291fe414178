import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

/// A small deterministic generator (SplitMix64), so a failing case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Property: random and mutated tokens are never accepted")
struct TokenPropertyTests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\"{}:,\u{0}é")

    static func mutate(_ token: String, using rng: inout SeededGenerator) -> String {
        var characters = Array(token)
        let operations = Int.random(in: 1...4, using: &rng)
        for _ in 0..<operations {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where !characters.isEmpty:
                characters[Int.random(in: 0..<characters.count, using: &rng)] = alphabet.randomElement(using: &rng)!
            case 1 where !characters.isEmpty:
                characters.remove(at: Int.random(in: 0..<characters.count, using: &rng))
            case 2:
                characters.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...characters.count, using: &rng))
            case 3 where !characters.isEmpty:
                characters = Array(characters.prefix(Int.random(in: 0..<characters.count, using: &rng)))
            case 4:
                let parts = String(characters).split(separator: ".", omittingEmptySubsequences: false)
                characters = Array(parts.shuffled(using: &rng).joined(separator: "."))
            case 5:
                characters += Array(".") + characters.suffix(Int.random(in: 0...20, using: &rng))
            default:
                if let dot = characters.firstIndex(of: ".") { characters.remove(at: dot) }
            }
        }
        return String(characters)
    }

    @Test("2,000 mutations of a valid token: none verifies, none crashes", arguments: [UInt64(1), 2, 3, 4])
    func mutatedTokens(seed: UInt64) async throws {
        let client = try networklessClient()
        let valid = try TestIssuers.primary.sessionToken(now: tokenNow)
        #expect(try await client.verifyToken(valid).sub != nil)
        var rng = SeededGenerator(seed: seed)
        var accepted: [String] = []
        for _ in 0..<500 {
            let candidate = Self.mutate(valid, using: &rng)
            guard candidate != valid else { continue }
            do {
                _ = try await client.verifyToken(candidate)
                accepted.append(candidate)
            } catch is TokenVerificationError {
                // expected
            }
        }
        // A mutation may only be accepted if it decodes to the very same signed bytes (base64 padding variants).
        for token in accepted {
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            let original = valid.split(separator: ".", omittingEmptySubsequences: false)
            #expect(parts.count == 3 && parts[0] == original[0] && parts[1] == original[1], "accepted a real change: \(token)")
        }
    }

    @Test("Random byte strings and random well-formed JWTs never verify", arguments: [UInt64(11), 12])
    func randomTokens(seed: UInt64) async throws {
        let client = try networklessClient()
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<500 {
            let length = Int.random(in: 0..<300, using: &rng)
            let candidate = String((0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! })
            await #expect(throws: TokenVerificationError.self) { try await client.verifyToken(candidate) }
        }
        for _ in 0..<200 {
            // Structurally valid JWTs with random claims and random signatures.
            let claims: JSONValue = [
                "sub": .string("user_\(UInt32.random(in: 0...UInt32.max, using: &rng))"),
                "exp": .int(Int64(1_764_432_000 + Int.random(in: -100...10_000, using: &rng))),
                "iat": .int(1_764_432_000),
            ]
            let header = base64url(Data(#"{"alg":"RS256","typ":"JWT","kid":"ins_primary"}"#.utf8))
            let payload = base64url(try JSONEncoder().encode(claims))
            let signature = base64url(Data((0..<256).map { _ in UInt8.random(in: 0...255, using: &rng) }))
            await #expect(throws: TokenVerificationError.self) {
                try await client.verifyToken("\(header).\(payload).\(signature)")
            }
        }
    }

    @Test("authenticateRequest with random Authorization and Cookie headers is never signed in")
    func randomRequests() async throws {
        let client = try networklessClient { options in
            options.secretKey = Secret(uniqueSecretKey())
            options.publishableKey = "pk_live_" + Data("clerk.example.test$".utf8).base64EncodedString()
        }
        let valid = try TestIssuers.primary.sessionToken(now: tokenNow)
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<400 {
            let token = Self.mutate(valid, using: &rng)
            let cookie = "__session=\(Self.mutate(valid, using: &rng)); __client_uat=\(Int.random(in: -5...1_764_432_100, using: &rng))"
            let request = ClerkRequest(
                method: .get, url: "https://app.example.test/",
                headers: [("Authorization", Bool.random(using: &rng) ? "Bearer \(token)" : token), ("Cookie", cookie)]
            )
            let state = try await client.authenticateRequest(request)
            if state.isAuthenticated {
                #expect(state.token == valid || state.token?.split(separator: ".").prefix(2) == valid.split(separator: ".").prefix(2))
            }
        }
    }
}
