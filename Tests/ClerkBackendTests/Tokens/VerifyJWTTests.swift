import ClerkBackend
import ClerkTesting
import Foundation
import Testing

@Suite("verifyJWT and hasValidSignature with an explicit key (@clerk/backend/jwt), and ClerkConstants")
struct VerifyJWTTests {
    let now = tokenNow
    var iat: Int64 { Int64(now.timeIntervalSince1970) }

    func token(_ extra: [String: JSONValue] = [:], issuer: TestTokenIssuer = TestIssuers.primary, algorithm: String = "RS256") throws -> String {
        var claims: [String: JSONValue] = ["sub": "user_1", "iat": .int(iat), "nbf": .int(iat - 5), "exp": .int(iat + 60), "azp": "https://app.example.com"]
        for (key, value) in extra { claims[key] = value }
        return try issuer.sign(claims: claims, algorithm: algorithm)
    }

    @Test("A PEM key verifies a token with no client and no network; the claims come back")
    func verifiesWithPEM() throws {
        let key = try JWTVerificationKey(pem: TestIssuers.primary.publicKeyPEM)
        #expect(key.algorithm == "RS256")
        let claims = try verifyJWT(token(["custom": "yes"]), key: key, options: VerifyJWTOptions(authorizedParties: ["https://app.example.com"], now: now))
        #expect(claims.sub == "user_1" && claims["custom"] == "yes")
        // A JWK of the same key verifies too.
        let jwk = try #require(TestIssuers.primary.jwk.objectValue)
        #expect(try verifyJWT(token(), key: JWTVerificationKey(jwk: jwk), options: VerifyJWTOptions(now: now)).sub == "user_1")
    }

    @Test("Refusals: another key's signature, an algorithm the key is not pinned to, expiry, azp, aud, a missing sub")
    func refusals() throws {
        let key = try JWTVerificationKey(pem: TestIssuers.primary.publicKeyPEM)
        let options = VerifyJWTOptions(now: now)
        func reason(_ token: String, _ options: VerifyJWTOptions) -> TokenVerificationError.Reason? {
            do {
                _ = try verifyJWT(token, key: key, options: options)
                return nil
            } catch {
                return (error as? TokenVerificationError)?.reason
            }
        }
        #expect(reason(try token(issuer: TestIssuers.other), options) == .tokenInvalidSignature)
        #expect(reason(try token(algorithm: "RS384"), options) == .tokenInvalidAlgorithm)
        #expect(reason(try token(["exp": .int(iat - 60)]), options) == .tokenExpired)
        #expect(reason(try token(), VerifyJWTOptions(authorizedParties: ["https://evil.example"], now: now)) == .tokenInvalidAuthorizedParties)
        #expect(reason(try token(["aud": "api-a"]), VerifyJWTOptions(audience: ["api-b"], now: now)) == .tokenVerificationFailed)
        #expect(reason(try TestIssuers.primary.sign(claims: ["exp": .int(iat + 60)]), options) == .tokenVerificationFailed)
        #expect(reason("not.a.jwt", options) == .tokenInvalid)
        // A key pinned to RS384 verifies RS384 tokens only.
        let rs384 = try JWTVerificationKey(pem: TestIssuers.primary.publicKeyPEM, algorithm: "RS384")
        #expect(try verifyJWT(token(algorithm: "RS384"), key: rs384, options: options).sub == "user_1")
    }

    @Test("hasValidSignature checks the signature and the alg only")
    func hasValidSignatureChecksOnlyTheSignature() throws {
        let key = try JWTVerificationKey(pem: TestIssuers.primary.publicKeyPEM)
        #expect(hasValidSignature(try decodeJWT(token(["exp": .int(iat - 3600)])), key: key), "an expired token still has a valid signature")
        #expect(!hasValidSignature(try decodeJWT(token(issuer: TestIssuers.other)), key: key))
        #expect(!hasValidSignature(try decodeJWT(token(algorithm: "RS512")), key: key))
    }

    @Test("Keys that are not RSA signing keys of 2048 bits or more, or unknown algorithms, are refused", arguments: [
        "", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
    ])
    func badKeys(pem: String) {
        #expect(throws: ClerkError.self) { _ = try JWTVerificationKey(pem: pem) }
    }

    @Test("Unknown algorithms and unusable JWKs are refused")
    func badAlgorithmsAndJWKs() {
        #expect(throws: ClerkError.self) { _ = try JWTVerificationKey(pem: TestIssuers.primary.publicKeyPEM, algorithm: "HS256") }
        #expect(throws: ClerkError.self) { _ = try JWTVerificationKey(jwk: ["kty": "EC", "crv": "P-256"]) }
    }

    @Test("ClerkConstants name what authenticateRequest reads and writes")
    func constants() async throws {
        #expect(ClerkConstants.Cookies.session == "__session" && ClerkConstants.Cookies.clientUAT == "__client_uat")
        #expect(ClerkConstants.QueryParameters.devBrowser == ClerkConstants.Cookies.devBrowser)
        // A state with debug headers uses the header names listed here.
        let client = try authClient(pk: AuthKeys.pkTest)
        let state = try await client.authenticateRequest(authRequest(), options: AuthenticateRequestOptions(debugHeaders: true))
        #expect(state.headerFields.first(name: ClerkConstants.Headers.authStatus) == state.status.rawValue)
    }
}
