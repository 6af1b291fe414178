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
/// ``isAuthenticated``, read ``userID``/``orgID``…, and authorize with ``has(role:permission:feature:plan:reverification:)``.
public struct ClerkAuth: Sendable {
    /// Whether the request is authenticated (a signed-in session, or a verified machine token).
    public var isAuthenticated: Bool { storage.isAuthenticated }
    /// The credential type; `nil` for a token of a type the route does not accept.
    public var tokenType: TokenType? { storage.tokenType }
    /// The verified session claims (sessions only).
    public var sessionClaims: JWTClaims? { storage.sessionClaims }
    /// `sub` of a session token; for machine tokens, the user the token belongs to (API keys of users, OAuth tokens).
    public var userID: String? { storage.userID }
    /// `sid`.
    public var sessionID: String? { storage.sessionID }
    /// `sts`: `active`, or `pending` when the user still has session tasks to complete.
    public var sessionStatus: String? { storage.sessionStatus }
    /// The active organization's id.
    public var orgID: String? {
        guard let claims = claimsOfSession else { return storage.orgID }
        return claims.version == 2 ? claims.members.object("o")?[claim: "id"]?.stringValue : claims.members[claim: "org_id"]?.stringValue
    }
    /// The user's role in the active organization (`org:admin`).
    public var orgRole: String? {
        guard let claims = claimsOfSession else { return storage.orgRole }
        guard claims.version == 2 else { return claims.members[claim: "org_role"]?.stringValue }
        guard let role = claims.members.object("o")?[claim: "rol"]?.stringValue, !role.isEmpty else { return nil }
        return "org:" + role
    }
    /// The active organization's slug.
    public var orgSlug: String? {
        guard let claims = claimsOfSession else { return storage.orgSlug }
        return claims.version == 2 ? claims.members.object("o")?[claim: "slg"]?.stringValue : claims.members[claim: "org_slug"]?.stringValue
    }
    /// The user's permissions in the active organization (`org:invoices:read`). With v2 claims they are built from
    /// the token's `o.per`, `o.fpm` and `fea` claims when read (requests that never ask do not pay for them).
    public var orgPermissions: [String]? {
        switch permissionsSource {
        case .list(let permissions): permissions
        case .featureMasks(let permissions, let masks):
            ClerkAuth.permissions(orgFeatures: features.org, permissions: permissions, featureMasks: masks)
        }
    }
    /// `fva`: minutes since the first and second factor were last verified (−1 when not enrolled).
    public var factorVerificationAge: [Int]? {
        guard let claims = claimsOfSession else { return storage.factorVerificationAge }
        guard let values = claims.members[claim: "fva"]?.arrayValue else { return nil }
        let ints = values.compactMap { $0.intValue.map(Int.init) }
        return ints.count == values.count ? ints : nil
    }
    /// `act`: the actor when the session is an impersonation or an agent.
    public var actor: JSONValue? {
        guard let claims = claimsOfSession else { return storage.actor }
        return claims.members[claim: "act"]
    }
    /// Machine-token details (API keys, M2M tokens, OAuth tokens).
    public var machine: MachineAuth? { storage.machine }
    /// The raw token, when authenticated.
    var rawToken: String? { storage.rawToken }
    /// Where ``orgPermissions`` come from: a list (v1 claims, machines), or v2's permission names and feature masks.
    enum PermissionsSource: Sendable {
        case list([String]?)
        case featureMasks(permissions: String?, masks: String?)
    }
    var permissionsSource: PermissionsSource {
        guard let claims = claimsOfSession else { return storage.permissionsSource }
        guard claims.version == 2 else {
            return .list(claims.members[claim: "org_permissions"]?.arrayValue?.compactMap(\.stringValue))
        }
        guard let org = claims.members.object("o") else { return .list(nil) }
        return .featureMasks(permissions: org[claim: "per"]?.stringValue, masks: org[claim: "fpm"]?.stringValue)
    }
    /// The `fea` and `pla` claims (comma lists of `scope:value`), parsed when `has(feature:)`/`has(plan:)` asks.
    var featureClaim: String {
        guard let claims = claimsOfSession else { return storage.featureClaim }
        return claims.members[claim: "fea"]?.stringValue ?? ""
    }
    var planClaim: String {
        guard let claims = claimsOfSession else { return storage.planClaim }
        return claims.members[claim: "pla"]?.stringValue ?? ""
    }
    /// The claims the organization, `fva`, `act`, `fea` and `pla` fields are read from when asked, for an auth
    /// object made from session claims; `nil` for the others (whose fields are stored). A signed-in request builds
    /// its auth object on every call and most read only ``userID``: reading the rest on demand spares each request
    /// about ten strings and arrays.
    private var claimsOfSession: JWTClaims? { storage.derivesFromClaims ? storage.sessionClaims : nil }
    var client: ClerkClient? { storage.client }

    /// The fields, shared by every copy (the auth object travels through several layers per request: copying one
    /// reference is cheaper than copying every field).
    final class Storage: Sendable {
        let isAuthenticated: Bool
        let tokenType: TokenType?
        let sessionClaims: JWTClaims?
        let userID: String?
        let sessionID: String?
        let sessionStatus: String?
        let orgID: String?
        let orgRole: String?
        let orgSlug: String?
        let factorVerificationAge: [Int]?
        let actor: JSONValue?
        let machine: MachineAuth?
        let rawToken: String?
        let permissionsSource: PermissionsSource
        let featureClaim: String
        let planClaim: String
        let client: ClerkClient?
        /// Whether the organization, `fva`, `act`, `fea` and `pla` fields are read from ``sessionClaims`` (the
        /// stored ones are then empty).
        let derivesFromClaims: Bool

        init(isAuthenticated: Bool, tokenType: TokenType?, sessionClaims: JWTClaims?, userID: String?, sessionID: String?, sessionStatus: String?, orgID: String?, orgRole: String?, orgSlug: String?, factorVerificationAge: [Int]?, actor: JSONValue?, machine: MachineAuth?, rawToken: String?, permissionsSource: PermissionsSource, featureClaim: String, planClaim: String, client: ClerkClient?, derivesFromClaims: Bool = false) {
            self.derivesFromClaims = derivesFromClaims
            self.isAuthenticated = isAuthenticated
            self.tokenType = tokenType
            self.sessionClaims = sessionClaims
            self.userID = userID
            self.sessionID = sessionID
            self.sessionStatus = sessionStatus
            self.orgID = orgID
            self.orgRole = orgRole
            self.orgSlug = orgSlug
            self.factorVerificationAge = factorVerificationAge
            self.actor = actor
            self.machine = machine
            self.rawToken = rawToken
            self.permissionsSource = permissionsSource
            self.featureClaim = featureClaim
            self.planClaim = planClaim
            self.client = client
        }
    }
    private let storage: Storage

    /// The features of the `fea` claim, by scope.
    var features: (org: [String], user: [String]) { ClerkAuth.parseScopedList(featureClaim) ?? ([], []) }
    /// The plans of the `pla` claim, by scope.
    var plans: (org: [String], user: [String]) { ClerkAuth.parseScopedList(planClaim) ?? ([], []) }

    /// A signed-out session auth object (`pending` keeps ``sessionStatus``).
    public static func signedOut(tokenType: TokenType = .sessionToken, sessionStatus: String? = nil) -> ClerkAuth {
        ClerkAuth(
            isAuthenticated: false, tokenType: tokenType, sessionClaims: nil, userID: nil, sessionID: nil,
            sessionStatus: sessionStatus, orgID: nil, orgRole: nil, orgSlug: nil, orgPermissions: nil,
            factorVerificationAge: nil, actor: nil, machine: nil, rawToken: nil, client: nil
        )
    }

    /// The auth object for a token of a type the route does not accept.
    public static let invalidToken = ClerkAuth(
        isAuthenticated: false, tokenType: nil, sessionClaims: nil, userID: nil, sessionID: nil, sessionStatus: nil,
        orgID: nil, orgRole: nil, orgSlug: nil, orgPermissions: nil, factorVerificationAge: nil, actor: nil,
        machine: nil, rawToken: nil, client: nil
    )

    init(
        isAuthenticated: Bool, tokenType: TokenType?, sessionClaims: JWTClaims?, userID: String?, sessionID: String?,
        sessionStatus: String?, orgID: String?, orgRole: String?, orgSlug: String?, orgPermissions: [String]?,
        factorVerificationAge: [Int]?, actor: JSONValue?, machine: MachineAuth?, rawToken: String?,
        permissionsSource: PermissionsSource? = nil, featureClaim: String = "", planClaim: String = "", client: ClerkClient?
    ) {
        storage = Storage(
            isAuthenticated: isAuthenticated, tokenType: tokenType, sessionClaims: sessionClaims, userID: userID,
            sessionID: sessionID, sessionStatus: sessionStatus, orgID: orgID, orgRole: orgRole, orgSlug: orgSlug,
            factorVerificationAge: factorVerificationAge, actor: actor, machine: machine, rawToken: rawToken,
            permissionsSource: permissionsSource ?? .list(orgPermissions), featureClaim: featureClaim,
            planClaim: planClaim, client: client
        )
    }

    /// A signed-in session auth object from verified claims (v1 and v2 claim formats).
    ///
    /// - Throws: ``TokenVerificationError`` (`token-invalid`) when v2 claims carry a malformed `fea` and an `o` claim,
    ///   as the reference does.
    public init(sessionClaims claims: JWTClaims, token: String, client: ClerkClient? = nil) throws {
        // The reference refuses v2 claims with an `o` claim and a `fea` entry without a scope; the other fields are
        // read from the claims when asked (see `claimsOfSession`).
        if claims.version == 2, claims.members.object("o") != nil,
            claims.members.withStringBytes("fea", ClerkAuth.isValidScopedList) == false
        {
            throw TokenVerificationError(reason: .tokenInvalid, message: "Invalid fea claim: every entry needs a scope.")
        }
        storage = Storage(
            isAuthenticated: true, tokenType: .sessionToken, sessionClaims: claims, userID: claims.sub,
            sessionID: claims.sid, sessionStatus: claims.sts, orgID: nil, orgRole: nil, orgSlug: nil,
            factorVerificationAge: nil, actor: nil, machine: nil, rawToken: token, permissionsSource: .list(nil),
            featureClaim: "", planClaim: "", client: client, derivesFromClaims: true
        )
    }

    /// Whether every entry of a `fea`/`pla` list has a scope (`scope:value`); the empty list is valid.
    static func isValidScopedList(_ claim: String) -> Bool {
        var claim = claim
        return claim.withUTF8(isValidScopedList)
    }

    /// ``isValidScopedList(_:)`` on the claim's UTF-8 bytes.
    static func isValidScopedList(_ claim: UnsafeBufferPointer<UInt8>) -> Bool {
        var entryHasColon = false
        for byte in claim {
            if byte == UInt8(ascii: ":") {
                entryHasColon = true
            } else if byte == UInt8(ascii: ",") {
                guard entryHasColon else { return false }
                entryHasColon = false
            }
        }
        return claim.isEmpty || entryHasColon
    }

    /// Parses `fea`/`pla`: a comma list of `scope:value`; `o` → organization, `u` → user, `ou`/`uo` → both.
    /// `nil` when an entry has no scope. One pass over the UTF-8 bytes (this runs for every signed-in request).
    static func parseScopedList(_ claim: String) -> (org: [String], user: [String])? {
        guard !claim.isEmpty else { return ([], []) }
        var claim = claim
        return claim.withUTF8 { bytes -> (org: [String], user: [String])? in
            var org: [String] = []
            var user: [String] = []
            var start = 0
            while start <= bytes.count {
                var end = start
                var colon = -1
                while end < bytes.count, bytes[end] != UInt8(ascii: ",") {
                    if colon < 0, bytes[end] == UInt8(ascii: ":") { colon = end }
                    end += 1
                }
                guard colon >= 0 else { return nil }
                // The scope, without surrounding ASCII whitespace.
                var scopeStart = start
                var scopeEnd = colon
                while scopeStart < scopeEnd, isASCIISpace(bytes[scopeStart]) { scopeStart += 1 }
                while scopeEnd > scopeStart, isASCIISpace(bytes[scopeEnd - 1]) { scopeEnd -= 1 }
                var toOrg = false
                var toUser = false
                switch scopeEnd - scopeStart {
                case 1:
                    toOrg = bytes[scopeStart] == UInt8(ascii: "o")
                    toUser = bytes[scopeStart] == UInt8(ascii: "u")
                case 2:
                    let first = bytes[scopeStart]
                    let second = bytes[scopeStart + 1]
                    let both =
                        (first == UInt8(ascii: "o") && second == UInt8(ascii: "u"))
                        || (first == UInt8(ascii: "u") && second == UInt8(ascii: "o"))
                    toOrg = both
                    toUser = both
                default:
                    break
                }
                if toOrg || toUser {
                    // Splitting valid UTF-8 at ASCII delimiters keeps it valid.
                    let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[(colon + 1)..<end]), as: UTF8.self)
                    if toOrg { org.append(value) }
                    if toUser { user.append(value) }
                }
                start = end + 1
            }
            return (org, user)
        }
    }

    private static func isASCIISpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// Builds `org:<feature>:<permission>` from `o.per` and `o.fpm` (bit i of a feature's mask, least significant
    /// first, selects `per[i]`).
    static func permissions(orgFeatures: [String], permissions: String?, featureMasks: String?) -> [String] {
        guard let permissions, let featureMasks else { return [] }
        let names = permissions.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            .map { Substring($0).trimmed }
        let masks = featureMasks.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        var result: [String] = []
        for (index, feature) in orgFeatures.enumerated() where index < masks.count {
            guard let bits = binaryDigitsLSBFirst(ofDecimal: Substring(masks[index]).trimmed) else { continue }
            for (bitIndex, bit) in bits.enumerated() where bit && bitIndex < names.count {
                result.append("org:" + feature + ":" + names[bitIndex])
            }
        }
        return result
    }

    /// The binary digits of a decimal string of any length, least significant first; `nil` if not all digits.
    static func binaryDigitsLSBFirst(ofDecimal text: String) -> [Bool]? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text.utf8.count <= 4096 else {
            return nil
        }
        // Masks are small numbers: no long division needed below 19 digits.
        if text.utf8.count <= 18, var value = UInt64(text) {
            var bits: [Bool] = []
            while value > 0 {
                bits.append(value & 1 == 1)
                value >>= 1
            }
            return bits
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
    public var machineID: String?
    /// The OAuth client id (OAuth tokens).
    public var clientID: String?
    /// The organization id, for API keys owned by an organization.
    public var orgID: String?

    /// What a verified machine token says about its owner.
    public init(
        id: String, subject: String, scopes: [String] = [], name: String? = nil, claims: JSONValue? = nil,
        machineID: String? = nil, clientID: String? = nil, orgID: String? = nil
    ) {
        self.id = id
        self.subject = subject
        self.scopes = scopes
        self.name = name
        self.claims = claims
        self.machineID = machineID
        self.clientID = clientID
        self.orgID = orgID
    }
}
