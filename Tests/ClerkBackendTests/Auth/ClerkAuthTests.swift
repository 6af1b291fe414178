@testable import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

/// A signed-in session auth object from raw claims (sub and sid default to user_1 / sess_1).
func sessionAuth(_ claims: [String: JSONValue], token: String = "raw.session.token", client: ClerkClient? = nil) throws -> ClerkAuth {
    var raw: [String: JSONValue] = ["sub": "user_1", "sid": "sess_1"]
    for (key, value) in claims { raw[key] = value }
    return try ClerkAuth(sessionClaims: JWTClaims(raw: raw), token: token, client: client)
}

@Suite("ClerkAuth: claim mapping (§3.2, §3.3)")
struct ClerkAuthClaimTests {
    @Test("v1 claims: org_* as they are, sts, act, fva")
    func v1() throws {
        let auth = try sessionAuth([
            "org_id": "org_1", "org_slug": "acme", "org_role": "admin", "org_permissions": ["org:f1:read", "org:f2:manage"],
            "sts": "active", "act": ["sub": "user_admin"], "fva": [3, -1], "v": 1,
        ])
        #expect(auth.isAuthenticated)
        #expect(auth.tokenType == .sessionToken)
        #expect(auth.userID == "user_1")
        #expect(auth.sessionID == "sess_1")
        #expect(auth.orgID == "org_1")
        #expect(auth.orgSlug == "acme")
        #expect(auth.orgRole == "admin", "v1 roles are kept as they are")
        #expect(auth.orgPermissions == ["org:f1:read", "org:f2:manage"])
        #expect(auth.sessionStatus == "active")
        #expect(auth.actor == ["sub": "user_admin"])
        #expect(auth.factorVerificationAge == [3, -1])
        #expect(auth.sessionClaims?["org_id"] == "org_1")
    }

    @Test("v1 without organization claims: nil organization fields (orgPermissions absent, not empty)")
    func v1NoOrg() throws {
        let auth = try sessionAuth([:])
        #expect(auth.orgID == nil && auth.orgSlug == nil && auth.orgRole == nil && auth.orgPermissions == nil)
        #expect(auth.sessionStatus == nil)
        #expect(auth.factorVerificationAge == nil)
        #expect(auth.actor == nil)
    }

    @Test("v2 with o: id, slg, org:-prefixed rol, permissions from fea × o.per × o.fpm; org_* claims ignored")
    func v2() throws {
        let auth = try sessionAuth([
            "v": 2, "fea": "o:reservations,u:dashboard,uo:support-chat,o:impersonation",
            "o": ["id": "org_2", "slg": "beta", "rol": "admin", "per": "read,manage", "fpm": "2,3"],
            "org_id": "org_ignored", "org_role": "org:ignored", "org_permissions": ["org:ignored:read"],
        ])
        #expect(auth.orgID == "org_2")
        #expect(auth.orgSlug == "beta")
        #expect(auth.orgRole == "org:admin")
        #expect(auth.orgPermissions == ["org:reservations:manage", "org:support-chat:read", "org:support-chat:manage"])
    }

    @Test("v2 without o: no organization at all, even with org_* claims")
    func v2WithoutO() throws {
        let auth = try sessionAuth(["v": 2, "org_id": "org_x", "org_slug": "x", "org_role": "org:admin", "fea": "u:a"])
        #expect(auth.orgID == nil && auth.orgSlug == nil && auth.orgRole == nil && auth.orgPermissions == nil)
        #expect(auth.has(feature: "a"))
    }

    @Test("v2 with o but no rol, per or fpm: no role, empty permissions")
    func v2Sparse() throws {
        let auth = try sessionAuth(["v": 2, "o": ["id": "org_3"], "fea": "o:f"])
        #expect(auth.orgID == "org_3")
        #expect(auth.orgRole == nil)
        #expect(auth.orgPermissions == [])
        let emptyRole = try sessionAuth(["v": 2, "o": ["id": "org_3", "rol": ""]])
        #expect(emptyRole.orgRole == nil)
    }

    @Test("fpm decoding: LSB first, per[i] ↔ bit i; non-digit entries give nothing; more features than masks", arguments: [
        ("o:a,o:b,o:c", "x,y,z", "1,6,7", ["org:a:x", "org:b:y", "org:b:z", "org:c:x", "org:c:y", "org:c:z"]),
        ("o:a,o:b", "x,y", "0,3", ["org:b:x", "org:b:y"]),
        ("o:a,o:b", "x,y", "abc,2", ["org:b:y"]),
        ("o:a,o:b", "x,y", "-1,1", ["org:b:x"]),
        ("o:a,o:b", "x,y", "1", ["org:a:x"]),
        ("o:a", "x,y", "4", []),  // a bit beyond the permission list selects nothing
        ("u:a,o:b", " x , y ", "3", ["org:b:x", "org:b:y"]),  // only org-scoped features take masks; names are trimmed
        ("ou:a,uo:b", "x", "1,1", ["org:a:x", "org:b:x"]),
    ] as [(String, String, String, [String])])
    func fpm(fea: String, per: String, fpm: String, expected: [String]) throws {
        let auth = try sessionAuth(["v": 2, "fea": .string(fea), "o": ["id": "org_1", "per": .string(per), "fpm": .string(fpm)]])
        #expect(auth.orgPermissions == expected)
    }

    @Test("Arbitrarily large decimal masks (string arithmetic)")
    func bigMasks() throws {
        let names = (0..<130).map { "p\($0)" }
        // 2^64 + 1 selects p0 and p64; 2^128 + 2^100 + 4 selects p2, p100, p128.
        let masks = "18446744073709551617,340282368188589063691604008928471416836"
        let auth = try sessionAuth(["v": 2, "fea": "o:f,o:g", "o": ["id": "org_1", "per": .string(names.joined(separator: ",")), "fpm": .string(masks)]])
        #expect(auth.orgPermissions == ["org:f:p0", "org:f:p64", "org:g:p2", "org:g:p100", "org:g:p128"])
        #expect(ClerkAuth.binaryDigitsLSBFirst(ofDecimal: "0") == [])
        #expect(ClerkAuth.binaryDigitsLSBFirst(ofDecimal: "10") == [false, true, false, true])
        #expect(ClerkAuth.binaryDigitsLSBFirst(ofDecimal: "") == nil)
        #expect(ClerkAuth.binaryDigitsLSBFirst(ofDecimal: "1e3") == nil)
    }

    @Test("A fea entry without a scope: building a v2 object with o throws; elsewhere has() is just false")
    func malformedFea() throws {
        #expect(throws: TokenVerificationError.self) {
            try sessionAuth(["v": 2, "fea": "o:a,broken", "o": ["id": "org_1", "per": "x", "fpm": "1"]])
        }
        let v2NoOrg = try sessionAuth(["v": 2, "fea": "u:a,broken"])
        #expect(!v2NoOrg.has(feature: "a"))
        let v1 = try sessionAuth(["fea": "u:a,broken", "pla": "u:pro"])
        #expect(!v1.has(feature: "a"))
        #expect(v1.has(plan: "pro"))
    }

    @Test("Fields read on demand from a token's bytes equal the ones of the same claims as a dictionary", arguments: [
        ["v": 2, "fea": "o:reservations,u:dashboard,uo:support-chat", "pla": "u:free,o:pro", "fva": [3, -1], "sts": "active",
         "o": ["id": "org_2NNEqXLCIbY2yRMN5c6ZyAkXnI6", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3,1"]],
        // Escaped and non-ASCII strings take the parsed path; an empty role is no role.
        ["v": 2, "fea": "o:r\u{e9}servations,u:d\"x", "o": ["id": "org_\u{e9}", "slg": "caf\u{e9}", "rol": ""], "act": ["sub": "user_admin"]],
        ["v": 2, "fea": 7, "pla": ["u:x"], "fva": [1, "x"], "o": ["id": 5]],
        ["v": 1, "org_id": "org_1", "org_slug": "acme", "org_role": "admin", "org_permissions": ["org:f1:read"], "fva": [0, 2]],
        ["fea": "u:a,broken", "pla": "u:pro"],
    ] as [[String: JSONValue]])
    func onDemandFields(claims: [String: JSONValue]) throws {
        var raw: [String: JSONValue] = ["sub": "user_1", "sid": "sess_1"]
        for (key, value) in claims { raw[key] = value }
        let token = try TestIssuers.primary.sign(claims: raw)
        let fromBytes = try ClerkAuth(sessionClaims: try decodeJWT(token).claims, token: token)
        let fromDictionary = try ClerkAuth(sessionClaims: JWTClaims(raw: raw), token: token)
        #expect(fromBytes.userID == "user_1" && fromBytes.sessionID == "sess_1")
        #expect(fromBytes.orgID == fromDictionary.orgID)
        #expect(fromBytes.orgSlug == fromDictionary.orgSlug)
        #expect(fromBytes.orgRole == fromDictionary.orgRole)
        #expect(fromBytes.orgPermissions == fromDictionary.orgPermissions)
        #expect(fromBytes.factorVerificationAge == fromDictionary.factorVerificationAge)
        #expect(fromBytes.actor == fromDictionary.actor)
        #expect(fromBytes.sessionStatus == fromDictionary.sessionStatus)
        #expect(fromBytes.featureClaim == fromDictionary.featureClaim && fromBytes.planClaim == fromDictionary.planClaim)
        for name in ["reservations", "réservations", "dashboard", "support-chat", "a", "d\"x"] {
            #expect(fromBytes.has(feature: name) == fromDictionary.has(feature: name), "\(name)")
        }
        #expect(fromBytes.has(plan: "pro") == fromDictionary.has(plan: "pro"))
    }

    @Test("A malformed fea is refused in the token's bytes as in a dictionary, escaped or not", arguments: [
        "o:a,broken", "o:a,bro\\u006ben", "o:\\u00e9,x", ",o:a", "o:a,",
    ])
    func malformedFeaFromBytes(fea: String) throws {
        let raw: [String: JSONValue] = ["sub": "user_1", "v": 2, "fea": .string(fea), "o": ["id": "org_1"]]
        let token = try TestIssuers.primary.sign(claims: raw)
        #expect(throws: TokenVerificationError.self) { try ClerkAuth(sessionClaims: try decodeJWT(token).claims, token: token) }
        #expect(throws: TokenVerificationError.self) { try ClerkAuth(sessionClaims: JWTClaims(raw: raw), token: token) }
    }

    @Test("Custom claims decode into your own type")
    func customClaims() throws {
        struct Mine: Decodable, Equatable {
            let tenant: String
            let flags: [Int]
            let nested: Nested
            struct Nested: Decodable, Equatable { let on: Bool }
        }
        let auth = try sessionAuth(["tenant": "t1", "flags": [1, 2], "nested": ["on": true]])
        let claims = try #require(auth.sessionClaims)
        #expect(try claims.decode(as: Mine.self) == Mine(tenant: "t1", flags: [1, 2], nested: .init(on: true)))
        #expect(throws: (any Error).self) { try claims.decode(as: [String: Int].self) }
    }
}

@Suite("ClerkAuth: has() (§3.4)")
struct ClerkAuthHasTests {
    @Test("Nothing asked, signed out, or no userID: false")
    func nothing() throws {
        #expect(!(try sessionAuth(["org_id": "org_1", "org_role": "org:admin"])).has())
        #expect(!ClerkAuth.signedOut().has(role: "org:admin"))
        #expect(!ClerkAuth.invalidToken.has(permission: "org:a:b"))
        #expect(!(try sessionAuth(["sub": "", "org_id": "org_1", "org_role": "org:admin"])).has(role: "admin"))
    }

    @Test("Roles: admin ≡ org:admin, in v1 and v2", arguments: ["admin", "org:admin", "org:org:admin"])
    func roles(asked: String) throws {
        let v1Old = try sessionAuth(["org_id": "org_1", "org_role": "admin"])
        let v1 = try sessionAuth(["org_id": "org_1", "org_role": "org:admin"])
        let v2 = try sessionAuth(["v": 2, "o": ["id": "org_1", "rol": "admin"]])
        for auth in [v1Old, v1, v2] {
            #expect(auth.has(role: asked))
            #expect(!auth.has(role: "member"))
            #expect(!auth.has(role: "org:member"))
            #expect(!auth.has(role: ""))
        }
    }

    @Test("Organization checks fail without an organization or a role")
    func noOrganization() throws {
        #expect(!(try sessionAuth(["org_role": "org:admin"])).has(role: "admin"), "no orgID")
        #expect(!(try sessionAuth(["org_id": "org_1"])).has(role: "admin"), "no role")
        #expect(!(try sessionAuth(["org_id": "org_1", "org_role": ""])).has(role: ""))
        #expect(!(try sessionAuth(["org_id": "org_1"])).has(permission: "org:a:b"), "no permissions")
    }

    @Test("Permissions: f1:read ≡ org:f1:read; role and permission together must both hold")
    func permissions() throws {
        let auth = try sessionAuth(["org_id": "org_1", "org_role": "org:admin", "org_permissions": ["org:f1:read", "org:f2:manage"]])
        #expect(auth.has(permission: "org:f1:read"))
        #expect(auth.has(permission: "f1:read"))
        #expect(!auth.has(permission: "org:f1:manage"))
        #expect(auth.has(role: "admin", permission: "f2:manage"))
        #expect(!auth.has(role: "member", permission: "f2:manage"))
        #expect(!auth.has(role: "admin", permission: "f3:manage"))
        let v2 = try sessionAuth(["v": 2, "fea": "o:reservations", "o": ["id": "org_1", "rol": "admin", "per": "read,manage", "fpm": "2"]])
        #expect(v2.has(permission: "org:reservations:manage"))
        #expect(v2.has(permission: "reservations:manage"))
        #expect(!v2.has(permission: "org:reservations:read"))
    }

    @Test("Features and plans with and without scopes (v1 user scope, v2 billing)")
    func billing() throws {
        let auth = try sessionAuth([
            "v": 2, "fea": "o:reservations,u:dashboard,uo:support-chat", "pla": "u:free,o:business", "o": ["id": "org_1"],
        ])
        // Bare: either scope.
        #expect(auth.has(feature: "reservations"))
        #expect(auth.has(feature: "dashboard"))
        #expect(auth.has(feature: "support-chat"))
        #expect(!auth.has(feature: "unknown"))
        // Scoped.
        for scope in ["o", "org", "organization"] {
            #expect(auth.has(feature: "\(scope):reservations"))
            #expect(!auth.has(feature: "\(scope):dashboard"))
            #expect(auth.has(feature: "\(scope):support-chat"))
        }
        for scope in ["u", "user"] {
            #expect(auth.has(feature: "\(scope):dashboard"))
            #expect(!auth.has(feature: "\(scope):reservations"))
        }
        #expect(!auth.has(feature: "team:reservations"), "an unknown scope fails")
        // Plans are a separate claim.
        #expect(auth.has(plan: "free"))
        #expect(auth.has(plan: "o:business"))
        #expect(!auth.has(plan: "u:business"))
        #expect(!auth.has(feature: "free"))
        #expect(!auth.has(plan: "dashboard"))
        // Both asked: both must hold.
        #expect(auth.has(feature: "dashboard", plan: "free"))
        #expect(!auth.has(feature: "dashboard", plan: "pro"))

        let v1User = try sessionAuth(["fea": "u:impersonation,u:memberships", "pla": "u:free,u:pro"])
        #expect(v1User.has(feature: "impersonation"))
        #expect(v1User.has(feature: "user:impersonation"))
        #expect(!v1User.has(feature: "org:impersonation"))
        #expect(v1User.has(plan: "pro"))
        // No claim at all: false.
        #expect(!(try sessionAuth([:])).has(feature: "x"))
        #expect(!(try sessionAuth(["fea": ""])).has(feature: ""))
        // Other scopes in the claim are ignored.
        #expect(!(try sessionAuth(["fea": "x:thing"])).has(feature: "thing"))
    }

    @Test("Organization and billing together: both must hold")
    func mixed() throws {
        let auth = try sessionAuth(["org_id": "org_1", "org_role": "org:admin", "fea": "o:export"])
        #expect(auth.has(role: "admin", feature: "export"))
        #expect(!auth.has(role: "member", feature: "export"))
        #expect(!auth.has(role: "admin", feature: "import"))
    }

    struct ReverificationCase: Sendable, CustomTestStringConvertible {
        let fva: JSONValue?
        let config: ReverificationConfig
        let expected: Bool
        var testDescription: String { "fva \(fva.map { "\($0)" } ?? "nil") \(config.level.rawValue)/\(config.afterMinutes) → \(expected)" }
    }

    static let reverificationCases: [ReverificationCase] = [
        // Presets.
        .init(fva: [5, 5], config: .strictMFA, expected: true),
        .init(fva: [5, 10], config: .strictMFA, expected: false),  // strictly younger than 10 minutes
        .init(fva: [5, 9], config: .strictMFA, expected: true),
        .init(fva: [5, -1], config: .strictMFA, expected: true),  // no second factor: the first one decides
        .init(fva: [-1, 5], config: .strictMFA, expected: false),  // multi-factor without a first factor
        .init(fva: [20, 5], config: .strictMFA, expected: false),
        .init(fva: [20, 5], config: .strict, expected: true),
        .init(fva: [5, 20], config: .strict, expected: false),
        .init(fva: [5, -1], config: .strict, expected: true),
        .init(fva: [-1, 5], config: .strict, expected: true),
        .init(fva: [59, 59], config: .moderate, expected: true),
        .init(fva: [0, 60], config: .moderate, expected: false),
        .init(fva: [0, 1_439], config: .lax, expected: true),
        .init(fva: [0, 1_440], config: .lax, expected: false),
        // Custom.
        .init(fva: [3, -1], config: .init(level: .firstFactor, afterMinutes: 4), expected: true),
        .init(fva: [3, -1], config: .init(level: .firstFactor, afterMinutes: 3), expected: false),
        .init(fva: [-1, 1], config: .init(level: .firstFactor, afterMinutes: 10), expected: false),
        .init(fva: [0, 0], config: .init(level: .secondFactor, afterMinutes: 1), expected: true),
        .init(fva: [0, 0], config: .init(level: .firstFactor, afterMinutes: 0), expected: false),  // afterMinutes must be > 0
        .init(fva: [0, 0], config: .init(level: .firstFactor, afterMinutes: -5), expected: false),
        .init(fva: [0, 0], config: .init(level: "third_factor", afterMinutes: 10), expected: false),
        // Unusable fva.
        .init(fva: nil, config: .lax, expected: false),
        .init(fva: [-1, -1], config: .lax, expected: false),
        .init(fva: [-2, 5], config: .lax, expected: false),
        .init(fva: [5], config: .lax, expected: false),
        .init(fva: [5, 5, 5], config: .lax, expected: false),
        .init(fva: ["5", "5"], config: .lax, expected: false),
        .init(fva: "5,5", config: .lax, expected: false),
    ]

    @Test("Reverification presets, custom levels and fva edge cases", arguments: reverificationCases)
    func reverification(_ testCase: ReverificationCase) throws {
        var claims: [String: JSONValue] = [:]
        if let fva = testCase.fva { claims["fva"] = fva }
        let auth = try sessionAuth(claims)
        #expect(auth.has(reverification: testCase.config) == testCase.expected)
    }

    @Test("Reverification combines with the other dimensions")
    func reverificationCombined() throws {
        let auth = try sessionAuth(["org_id": "org_1", "org_role": "org:admin", "fva": [1, 1]])
        #expect(auth.has(role: "admin", reverification: .strict))
        #expect(!auth.has(role: "member", reverification: .strict))
        let stale = try sessionAuth(["org_id": "org_1", "org_role": "org:admin", "fva": [100, 100]])
        #expect(!stale.has(role: "admin", reverification: .strict))
    }
}

@Suite("ClerkAuth: getToken (§3.5)")
struct ClerkAuthGetTokenTests {
    @Test("Without a template: the session token itself, no network")
    func noTemplate() async throws {
        let transport = refusingTransport()
        let client = try authClient(transport: transport)
        let auth = try sessionAuth([:], token: "the.raw.token", client: client)
        #expect(try await auth.getToken() == "the.raw.token")
        #expect(transport.requests.isEmpty)
    }

    @Test("Signed out, or no session id: nil")
    func signedOut() async throws {
        #expect(try await ClerkAuth.signedOut().getToken(template: "t") == nil)
        let noSid = try ClerkAuth(sessionClaims: JWTClaims(raw: ["sub": "user_1"]), token: "tok")
        #expect(try await noSid.getToken() == nil)
    }

    @Test("With a template: POST /v1/sessions/{sid}/tokens/{template}, expires_in_seconds only when given")
    func template() async throws {
        let routes = RouteTable([
            "POST /v1/sessions/sess_1/tokens/supabase": { _ in .json(#"{"object":"token","jwt":"template.jwt.value"}"#) },
            "POST /v1/sessions/sess_1/tokens": { _ in .json(#"{"object":"token","jwt":"fresh.session.jwt"}"#) },
        ])
        try await withServer(routes.handle) { server in
            let secret = uniqueSecretKey()
            let client = try serverClient(server, secretKey: secret)
            let auth = try sessionAuth([:], client: client)
            #expect(try await auth.getToken(template: "supabase") == "template.jwt.value")
            let first = try #require(server.requests.first)
            #expect(first.method == .post)
            #expect(first.path == "/v1/sessions/sess_1/tokens/supabase")
            #expect(first.headerFields.first(name: "authorization") == "Bearer \(secret)")
            #expect(first.jsonBody?.objectValue?["expires_in_seconds"] == nil)

            #expect(try await auth.getToken(template: "supabase", expiresInSeconds: 60) == "template.jwt.value")
            #expect(server.requests.last?.jsonBody == ["expires_in_seconds": 60])

            #expect(try await auth.getToken(expiresInSeconds: 120) == "fresh.session.jwt")
            #expect(server.requests.last?.path == "/v1/sessions/sess_1/tokens")
            #expect(server.requests.last?.jsonBody == ["expires_in_seconds": 120])
        }
    }

    @Test("A template needs the client that authenticated the request")
    func templateWithoutClient() async throws {
        let auth = try sessionAuth([:])
        await #expect(throws: ClerkError.self) { try await auth.getToken(template: "t") }
    }

    @Test("From authenticateRequest, the auth object carries the client for templates")
    func fromAuthenticateRequest() async throws {
        let routes = RouteTable.withJWKS()
        routes.set("POST /v1/sessions/sess_1/tokens/tpl") { _ in .json(#"{"object":"token","jwt":"tpl.jwt"}"#) }
        try await withServer(routes.handle) { server in
            let state = try await serverClient(server).authenticateRequest(apiRequest(authorization: "Bearer \(try sessionToken())"))
            let auth = try #require(state.toAuth())
            #expect(try await auth.getToken(template: "tpl") == "tpl.jwt")
        }
    }
}
