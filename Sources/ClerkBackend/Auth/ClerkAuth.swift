/// The kind of credential a request carried.
public struct TokenType: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// A Clerk session token (`__session` cookie or `Authorization: Bearer`).
    public static let sessionToken: Self = "session_token"
    /// An API key (`ak_…`).
    public static let apiKey: Self = "api_key"
    /// A machine-to-machine token (`mt_…` or an M2M JWT).
    public static let m2mToken: Self = "m2m_token"
    /// An OAuth access token (`oat_…` or an `at+jwt` JWT).
    public static let oauthToken: Self = "oauth_token"
}

/// Who is calling: the Auth object of `@clerk/backend`, for sessions and machines alike.
///
/// Get one from ``RequestState/toAuth(treatPendingAsSignedOut:)`` (or the framework integrations). Check
/// ``isAuthenticated``, read ``userId``/``orgId``…, and authorize with ``has(role:permission:feature:plan:reverification:)``.
public struct ClerkAuth: Sendable {
    /// Whether the request is authenticated (a signed-in session, or a verified machine token).
    public let isAuthenticated: Bool
    /// The credential type; `nil` for a token of a type the route does not accept.
    public let tokenType: TokenType?
    /// The verified session claims (sessions only).
    public let sessionClaims: JWTClaims?
    /// `sub` of a session token; for machine tokens, the user the token belongs to (API keys of users, OAuth tokens).
    public let userId: String?
    /// `sid`.
    public let sessionId: String?
    /// `sts`: `active`, or `pending` when the user still has session tasks to complete.
    public let sessionStatus: String?
    /// The active organization's id.
    public let orgId: String?
    /// The user's role in the active organization (`org:admin`).
    public let orgRole: String?
    /// The active organization's slug.
    public let orgSlug: String?
    /// The user's permissions in the active organization (`org:invoices:read`).
    public let orgPermissions: [String]?
    /// `fva`: minutes since the first and second factor were last verified (−1 when not enrolled).
    public let factorVerificationAge: [Int]?
    /// `act`: the actor when the session is an impersonation or an agent.
    public let actor: JSONValue?
    /// Machine-token details (API keys, M2M tokens, OAuth tokens).
    public let machine: MachineAuth?
    /// The raw token, when authenticated.
    let rawToken: String?
    let features: (org: [String], user: [String])
    let plans: (org: [String], user: [String])
    let client: ClerkClient?

    /// A signed-out session auth object (`pending` keeps ``sessionStatus``).
    public static func signedOut(tokenType: TokenType = .sessionToken, sessionStatus: String? = nil) -> ClerkAuth {
        ClerkAuth(
            isAuthenticated: false, tokenType: tokenType, sessionClaims: nil, userId: nil, sessionId: nil,
            sessionStatus: sessionStatus, orgId: nil, orgRole: nil, orgSlug: nil, orgPermissions: nil,
            factorVerificationAge: nil, actor: nil, machine: nil, rawToken: nil, features: ([], []), plans: ([], []),
            client: nil
        )
    }

    /// The auth object for a token of a type the route does not accept.
    public static let invalidToken = ClerkAuth(
        isAuthenticated: false, tokenType: nil, sessionClaims: nil, userId: nil, sessionId: nil, sessionStatus: nil,
        orgId: nil, orgRole: nil, orgSlug: nil, orgPermissions: nil, factorVerificationAge: nil, actor: nil,
        machine: nil, rawToken: nil, features: ([], []), plans: ([], []), client: nil
    )

    init(
        isAuthenticated: Bool, tokenType: TokenType?, sessionClaims: JWTClaims?, userId: String?, sessionId: String?,
        sessionStatus: String?, orgId: String?, orgRole: String?, orgSlug: String?, orgPermissions: [String]?,
        factorVerificationAge: [Int]?, actor: JSONValue?, machine: MachineAuth?, rawToken: String?,
        features: (org: [String], user: [String]), plans: (org: [String], user: [String]), client: ClerkClient?
    ) {
        self.isAuthenticated = isAuthenticated
        self.tokenType = tokenType
        self.sessionClaims = sessionClaims
        self.userId = userId
        self.sessionId = sessionId
        self.sessionStatus = sessionStatus
        self.orgId = orgId
        self.orgRole = orgRole
        self.orgSlug = orgSlug
        self.orgPermissions = orgPermissions
        self.factorVerificationAge = factorVerificationAge
        self.actor = actor
        self.machine = machine
        self.rawToken = rawToken
        self.features = features
        self.plans = plans
        self.client = client
    }

    /// A signed-in session auth object from verified claims (v1 and v2 claim formats).
    ///
    /// - Throws: ``TokenVerificationError`` (`token-invalid`) when v2 claims carry a malformed `fea` and an `o` claim,
    ///   as the reference does.
    public init(sessionClaims claims: JWTClaims, token: String, client: ClerkClient? = nil) throws {
        let raw = claims
        let isV2 = claims.version == 2
        let featureClaim = raw["fea"]?.stringValue ?? ""
        let planClaim = raw["pla"]?.stringValue ?? ""
        var orgId: String?
        var orgSlug: String?
        var orgRole: String?
        var orgPermissions: [String]?
        if isV2 {
            if let org = raw["o"]?.objectValue {
                orgId = org["id"]?.stringValue
                orgSlug = org["slg"]?.stringValue
                if let role = org["rol"]?.stringValue, !role.isEmpty { orgRole = "org:" + role }
                guard let scoped = ClerkAuth.parseScopedList(featureClaim) else {
                    throw TokenVerificationError(reason: .tokenInvalid, message: "Invalid fea claim: every entry needs a scope.")
                }
                orgPermissions = ClerkAuth.permissions(
                    orgFeatures: scoped.org, permissions: org["per"]?.stringValue, featureMasks: org["fpm"]?.stringValue
                )
            }
        } else {
            orgId = raw["org_id"]?.stringValue
            orgSlug = raw["org_slug"]?.stringValue
            orgRole = raw["org_role"]?.stringValue
            orgPermissions = raw["org_permissions"]?.arrayValue?.compactMap(\.stringValue)
        }
        let features = ClerkAuth.parseScopedList(featureClaim) ?? ([], [])
        let plans = ClerkAuth.parseScopedList(planClaim) ?? ([], [])
        var fva: [Int]?
        if let values = raw["fva"]?.arrayValue {
            let ints = values.compactMap { $0.intValue.map(Int.init) }
            if ints.count == values.count { fva = ints }
        }
        self.init(
            isAuthenticated: true, tokenType: .sessionToken, sessionClaims: claims, userId: claims.sub,
            sessionId: claims.sid, sessionStatus: claims.sts, orgId: orgId, orgRole: orgRole, orgSlug: orgSlug,
            orgPermissions: orgPermissions, factorVerificationAge: fva, actor: raw["act"], machine: nil,
            rawToken: token, features: features, plans: plans, client: client
        )
    }

    /// Parses `fea`/`pla`: a comma list of `scope:value`; `o` → organization, `u` → user, `ou`/`uo` → both.
    /// `nil` when an entry has no scope.
    static func parseScopedList(_ claim: String) -> (org: [String], user: [String])? {
        var org: [String] = []
        var user: [String] = []
        guard !claim.isEmpty else { return ([], []) }
        for entry in claim.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            let scope = parts[0].trimmed
            let value = String(parts[1])
            switch scope {
            case "o": org.append(value)
            case "u": user.append(value)
            case "ou", "uo":
                org.append(value)
                user.append(value)
            default: break
            }
        }
        return (org, user)
    }

    /// Builds `org:<feature>:<permission>` from `o.per` and `o.fpm` (bit i of a feature's mask, least significant
    /// first, selects `per[i]`).
    static func permissions(orgFeatures: [String], permissions: String?, featureMasks: String?) -> [String] {
        guard let permissions, let featureMasks else { return [] }
        let names = permissions.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed }
        let masks = featureMasks.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed }
        var result: [String] = []
        for (index, feature) in orgFeatures.enumerated() where index < masks.count {
            guard let bits = binaryDigitsLSBFirst(ofDecimal: masks[index]) else { continue }
            for (bitIndex, bit) in bits.enumerated() where bit && bitIndex < names.count {
                result.append("org:\(feature):\(names[bitIndex])")
            }
        }
        return result
    }

    /// The binary digits of a decimal string of any length, least significant first; `nil` if not all digits.
    static func binaryDigitsLSBFirst(ofDecimal text: String) -> [Bool]? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text.utf8.count <= 4096 else {
            return nil
        }
        var digits = text.utf8.map { Int($0 - 0x30) }
        var bits: [Bool] = []
        while !(digits.count == 1 && digits[0] == 0) && !digits.isEmpty {
            var remainder = 0
            var quotient: [Int] = []
            for digit in digits {
                let value = remainder * 10 + digit
                let q = value / 2
                remainder = value % 2
                if !(quotient.isEmpty && q == 0) { quotient.append(q) }
            }
            bits.append(remainder == 1)
            digits = quotient.isEmpty ? [0] : quotient
        }
        return bits
    }
}

/// Details of a verified machine token.
public struct MachineAuth: Sendable, Hashable {
    /// The token's id (`ak_…`'s API key id, `mt_…`'s token id, an OAuth token id, or the JWT's `jti`).
    public var id: String
    /// The subject: a user, organization or machine id.
    public var subject: String
    /// Granted scopes.
    public var scopes: [String]
    /// The API key's name (API keys only).
    public var name: String?
    /// Custom claims.
    public var claims: JSONValue?
    /// The machine id (M2M tokens).
    public var machineId: String?
    /// The OAuth client id (OAuth tokens).
    public var clientId: String?
    /// The organization id, for API keys owned by an organization.
    public var orgId: String?

    public init(
        id: String, subject: String, scopes: [String] = [], name: String? = nil, claims: JSONValue? = nil,
        machineId: String? = nil, clientId: String? = nil, orgId: String? = nil
    ) {
        self.id = id
        self.subject = subject
        self.scopes = scopes
        self.name = name
        self.claims = claims
        self.machineId = machineId
        self.clientId = clientId
        self.orgId = orgId
    }
}
