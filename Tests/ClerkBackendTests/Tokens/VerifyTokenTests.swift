import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

@Suite("verifyToken: networkless (jwtKey)")
struct VerifyTokenNetworklessTests {
    let issuer = TestIssuers.primary

    func expectReason(
        _ reason: TokenVerificationError.Reason, _ token: String, client: ClerkClient? = nil,
        options: VerifyTokenOptions = VerifyTokenOptions(), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let client = try client ?? networklessClient()
        do {
            _ = try await client.verifyToken(token, options: options)
            Issue.record("token was accepted; expected \(reason.rawValue)", sourceLocation: sourceLocation)
        } catch let error as TokenVerificationError {
            #expect(error.reason == reason, "\(error.fullMessage)", sourceLocation: sourceLocation)
            #expect(!error.fullMessage.contains(token), sourceLocation: sourceLocation)
        }
    }

    @Test("A valid token verifies and returns its claims")
    func valid() async throws {
        let token = try issuer.sessionToken(userID: "user_1", sessionID: "sess_1", now: tokenNow, orgID: "org_1")
        let claims = try await networklessClient().verifyToken(token)
        #expect(claims.sub == "user_1")
        #expect(claims.sid == "sess_1")
        #expect(claims["org_id"] == "org_1")
        #expect(claims.azp == "https://app.example.test")
    }

    @Test("jwtKey is accepted with or without PEM armour and newlines")
    func pemForms() async throws {
        let pem = issuer.publicKeyPEM
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let token = try issuer.sessionToken(now: tokenNow)
        for form in [pem, body, pem.replacingOccurrences(of: "\n", with: ""), "  \(pem)\r\n", body.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")] {
            let client = try ClerkClient(options: ClerkOptions(jwtKey: form, clock: ManualClock(now: tokenNow).clerkClock))
            #expect(try await client.verifyToken(token).sub != nil)
        }
    }

    @Test("A jwtKey under 2048 bits, or not a key, is refused when the client is made", arguments: ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", "not a key", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----"])
    func badKeys(pem: String) {
        #expect(throws: ClerkError.self) { try ClerkClient(options: ClerkOptions(jwtKey: pem)) }
    }

    @Test("A 1024-bit RSA key is refused")
    func smallKey() throws {
        let small = try TestTokenIssuer(kid: "small", bits: 1024)
        do {
            _ = try ClerkClient(options: ClerkOptions(jwtKey: small.publicKeyPEM))
            Issue.record("a 1024-bit key was accepted")
        } catch let error as ClerkError {
            #expect(error.code == .invalidJWTKey)
        }
    }

    @Test("Algorithms other than RS256 (for this key) are rejected", arguments: ["none", "HS256", "PS256", "ES256", "RS384", "RS512", ""])
    func algorithms(alg: String) async throws {
        let claims = try JSONDecoder().decode([String: JSONValue].self, from: Data(#"{"sub":"user_1","exp":1764432060,"iat":1764432000}"#.utf8))
        let signed = try issuer.sign(claims: claims, algorithm: alg == "none" || alg == "" ? "RS256" : alg)
        // Re-label the header (keeping the RS256 signature) for the names swift-crypto cannot sign with.
        let parts = signed.split(separator: ".", omittingEmptySubsequences: false)
        let header = base64url(Data(#"{"alg":"\#(alg)","typ":"JWT","kid":"ins_primary"}"#.utf8))
        try await expectReason(.tokenInvalidAlgorithm, "\(header).\(parts[1]).\(parts[2])")
    }

    @Test("alg none with an empty signature is rejected")
    func algNone() async throws {
        let header = base64url(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
        let payload = base64url(Data(#"{"sub":"user_1","exp":1764432060}"#.utf8))
        try await expectReason(.tokenInvalidAlgorithm, "\(header).\(payload).")
    }

    @Test("Algorithm confusion: HS256 signed with the public key as HMAC secret is rejected")
    func algorithmConfusion() async throws {
        let header = base64url(Data(#"{"alg":"HS256","typ":"JWT","kid":"ins_primary"}"#.utf8))
        let payload = base64url(Data(#"{"sub":"user_1","exp":1764432060,"iat":1764432000}"#.utf8))
        let input = "\(header).\(payload)"
        let mac = hmacSHA256(key: Data(issuer.publicKeyPEM.utf8), data: Data(input.utf8))
        try await expectReason(.tokenInvalidAlgorithm, "\(input).\(base64url(mac))")
    }

    @Test("A valid signature from another key is rejected")
    func otherKey() async throws {
        let token = try TestIssuers.other.sessionToken(now: tokenNow, header: ["kid": "ins_primary"])
        try await expectReason(.tokenInvalidSignature, token)
    }

    @Test("Tampered payload, stripped or truncated signature are rejected")
    func tampering() async throws {
        let token = try issuer.sessionToken(userID: "user_1", now: tokenNow)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let evilPayload = base64url(Data(#"{"sub":"user_admin","exp":1764432060,"iat":1764432000,"azp":"https://app.example.test"}"#.utf8))
        try await expectReason(.tokenInvalidSignature, "\(parts[0]).\(evilPayload).\(parts[2])")
        try await expectReason(.tokenInvalidSignature, "\(parts[0]).\(parts[1]).")
        let signatureBytes = try #require(Data(base64Encoded: parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="))
        try await expectReason(.tokenInvalidSignature, "\(parts[0]).\(parts[1]).\(base64url(signatureBytes.dropLast(1)))")
        try await expectReason(.tokenInvalidSignature, "\(parts[0]).\(parts[1]).\(base64url(signatureBytes + Data([0])))")
        var flipped = Array(parts[2])
        flipped[10] = flipped[10] == "A" ? "B" : "A"
        try await expectReason(.tokenInvalidSignature, "\(parts[0]).\(parts[1]).\(String(flipped))")
    }

    @Test("exp at the skew boundary: expired iff exp <= now - 5 s")
    func expBoundary() async throws {
        let client = try networklessClient()
        let ok = try issuer.sign(claims: ["sub": "u", "exp": .int(1_764_432_000 - 4)])
        #expect(try await client.verifyToken(ok).sub == "u")
        try await expectReason(.tokenExpired, try issuer.sign(claims: ["sub": "u", "exp": .int(1_764_432_000 - 5)]))
        try await expectReason(.tokenExpired, try issuer.sign(claims: ["sub": "u", "exp": .int(1_000)]))
        let zeroSkew = try networklessClient { $0.clockSkew = .zero }
        try await expectReason(.tokenExpired, try issuer.sign(claims: ["sub": "u", "exp": .int(1_764_432_000)]), client: zeroSkew)
        #expect(try await zeroSkew.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": .int(1_764_432_001)])).sub == "u")
    }

    @Test("nbf and iat at the skew boundary: rejected iff more than 5 s in the future")
    func nbfIatBoundary() async throws {
        let client = try networklessClient()
        let exp = JSONValue.int(1_764_432_600)
        #expect(try await client.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": exp, "nbf": .int(1_764_432_005)])).sub == "u")
        try await expectReason(.tokenNotActiveYet, try issuer.sign(claims: ["sub": "u", "exp": exp, "nbf": .int(1_764_432_006)]))
        #expect(try await client.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": exp, "iat": .int(1_764_432_005)])).sub == "u")
        try await expectReason(.tokenIatInTheFuture, try issuer.sign(claims: ["sub": "u", "exp": exp, "iat": .int(1_764_432_006)]))
        let wideSkew = VerifyTokenOptions(clockSkew: .seconds(60))
        #expect(try await client.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": exp, "iat": .int(1_764_432_050)]), options: wideSkew).sub == "u")
    }

    @Test("exp and sub must be present and typed")
    func requiredClaims() async throws {
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["sub": "u"]))
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["sub": "u", "exp": "1764432600"]))
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["exp": .int(1_764_432_600)]))
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["sub": 42, "exp": .int(1_764_432_600)]))
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["sub": "u", "exp": .int(1_764_432_600), "nbf": "soon"]))
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["sub": "u", "exp": .int(1_764_432_600), "iat": .null]))
        // An empty sub is a string: accepted, as the reference.
        #expect(try await networklessClient().verifyToken(try issuer.sign(claims: ["sub": "", "exp": .int(1_764_432_600)])).sub == "")
    }

    @Test("authorizedParties: azp must be present and listed")
    func authorizedParties() async throws {
        let parties = VerifyTokenOptions(authorizedParties: ["https://app.example.test", "https://admin.example.test"])
        let client = try networklessClient()
        #expect(try await client.verifyToken(try issuer.sessionToken(now: tokenNow), options: parties).sub != nil)
        try await expectReason(.tokenInvalidAuthorizedParties, try issuer.sessionToken(now: tokenNow, authorizedParty: "https://evil.example"), options: parties)
        try await expectReason(.tokenInvalidAuthorizedParties, try issuer.sessionToken(now: tokenNow, authorizedParty: nil), options: parties)
        try await expectReason(.tokenInvalidAuthorizedParties, try issuer.sessionToken(now: tokenNow, authorizedParty: "https://app.example.test.evil"), options: parties)
        // Without authorizedParties, a token without azp passes.
        #expect(try await client.verifyToken(try issuer.sessionToken(now: tokenNow, authorizedParty: nil)).sub != nil)
        // The client option applies when the call gives none.
        let configured = try networklessClient { $0.authorizedParties = ["https://only.example"] }
        try await expectReason(.tokenInvalidAuthorizedParties, try issuer.sessionToken(now: tokenNow), client: configured)
    }

    @Test("audience: checked only when both sides are non-empty")
    func audience() async throws {
        let client = try networklessClient()
        let exp = JSONValue.int(1_764_432_600)
        let expected = VerifyTokenOptions(audience: ["api://one", "api://two"])
        #expect(try await client.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": exp, "aud": "api://two"]), options: expected).sub == "u")
        #expect(try await client.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": exp, "aud": ["x", "api://one"]]), options: expected).sub == "u")
        #expect(try await client.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": exp]), options: expected).sub == "u")
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["sub": "u", "exp": exp, "aud": "api://three"]), options: expected)
        try await expectReason(.tokenVerificationFailed, try issuer.sign(claims: ["sub": "u", "exp": exp, "aud": ["api://o", "ne"]]), options: expected)
        #expect(try await client.verifyToken(try issuer.sign(claims: ["sub": "u", "exp": exp, "aud": "anything"])).sub == "u")
    }

    @Test("typ: JWT or absent by default; headerType replaces the allowed list")
    func typ() async throws {
        let client = try networklessClient()
        let claims: [String: JSONValue] = ["sub": "u", "exp": .int(1_764_432_600)]
        #expect(try await client.verifyToken(try issuer.sign(claims: claims, header: ["typ": .null])).sub == "u")
        try await expectReason(.tokenInvalid, try issuer.sign(claims: claims, header: ["typ": "at+jwt"]))
        try await expectReason(.tokenInvalid, try issuer.sign(claims: claims, header: ["typ": "jwt"]))
        let oauth = VerifyTokenOptions(headerType: ["at+jwt", "application/at+jwt"])
        #expect(try await client.verifyToken(try issuer.sign(claims: claims, header: ["typ": "at+jwt"]), options: oauth).sub == "u")
        try await expectReason(.tokenInvalid, try issuer.sign(claims: claims, header: ["typ": .null]), options: oauth)
    }

    @Test("An M2M category token is not a session token")
    func m2mCategory() async throws {
        try await expectReason(.tokenInvalid, try issuer.sessionToken(now: tokenNow, header: ["cat": "cl_B7d4PD333AAA"]))
    }

    @Test("Malformed tokens: segments, base64 and JSON", arguments: [
        "", "abc", "a.b", "a.b.c.d", "....", "eyJhbGciOiJSUzI1NiJ9.e30", "!!!.e30.e30", "e30.e30.a+b", "e30.e30.a/b",
        "e30.W10.", "W10.e30.", "bnVsbA.e30.", "e30.eyJzdWIiOiJ1Iiw.", "e30.e30.A", "e3=0.e30.", "e30.e30.AB=C",
        "eyJhbGciOiJSUzI1NiIsImFsZyI6IlJTMjU2In0.e30.",
    ])
    func malformed(token: String) async throws {
        try await expectReason(.tokenInvalid, token)
    }

    @Test("An oversized token is rejected before any parsing")
    func oversized() async throws {
        let token = try issuer.sessionToken(now: tokenNow, extraClaims: ["blob": .string(String(repeating: "x", count: 40_000))])
        try await expectReason(.tokenInvalid, token)
    }

    @Test("Without jwtKey and secret key, nothing can verify")
    func noKey() async throws {
        let client = try ClerkClient(options: ClerkOptions())
        try await expectReason(.jwkFailedToResolve, try issuer.sessionToken(now: tokenNow), client: client)
    }

    @Test("Custom claims decode into the caller's own type")
    func customClaims() async throws {
        struct Mine: Decodable { let role: String; let tenant: Int }
        let token = try issuer.sessionToken(now: tokenNow, extraClaims: ["role": "editor", "tenant": 7])
        let claims = try await networklessClient().verifyToken(token)
        let mine = try claims.decode(as: Mine.self)
        #expect(mine.role == "editor" && mine.tenant == 7)
    }
}

func hmacSHA256(key: Data, data: Data) -> Data {
    // Minimal HMAC-SHA256 through swift-crypto, for the algorithm-confusion test.
    HMACHelper.mac(key: key, data: data)
}
