/// How recently the user must have verified a factor, for sensitive actions (`has(reverification:)`).
public struct ReverificationConfig: Sendable, Hashable {
    /// Which factors must be fresh.
    public struct Level: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `first_factor`: a password, email or phone code, or another first factor.
        public static let firstFactor: Self = "first_factor"
        /// `second_factor`: a second factor (an authenticator app or backup code), when the user has one.
        public static let secondFactor: Self = "second_factor"
        /// `multi_factor`: both a first and a second factor.
        public static let multiFactor: Self = "multi_factor"
    }

    /// Which factors must be fresh.
    public var level: Level
    /// The verification must be younger than this many minutes.
    public var afterMinutes: Int

    /// Requires a verification of `level` within the last `afterMinutes` minutes.
    public init(level: Level, afterMinutes: Int) {
        self.level = level
        self.afterMinutes = afterMinutes
    }

    /// Multi-factor within 10 minutes.
    public static let strictMFA = ReverificationConfig(level: .multiFactor, afterMinutes: 10)
    /// Second factor (or the only one) within 10 minutes.
    public static let strict = ReverificationConfig(level: .secondFactor, afterMinutes: 10)
    /// Second factor (or the only one) within an hour.
    public static let moderate = ReverificationConfig(level: .secondFactor, afterMinutes: 60)
    /// Second factor (or the only one) within a day.
    public static let lax = ReverificationConfig(level: .secondFactor, afterMinutes: 1_440)
}

extension ClerkAuth {
    /// Whether the signed-in user has a role, permission, feature or plan, or verified recently enough:
    /// the `has()` of Clerk's SDKs.
    ///
    /// Each dimension you ask about must hold, and at least one must be asked: `has()` with no arguments is `false`,
    /// and so is every call on a signed-out or machine auth object.
    /// - `role` / `permission`: in the active organization; `admin` and `org:admin` are the same role,
    ///   `invoices:read` and `org:invoices:read` the same permission.
    /// - `feature` / `plan`: from the billing claims; `o:pro`/`org:pro` look at the organization's, `u:pro`/`user:pro`
    ///   at the user's, a bare `pro` at both.
    /// - `reverification`: the factor verification age must be within the limit.
    public func has(
        role: String? = nil, permission: String? = nil, feature: String? = nil, plan: String? = nil,
        reverification: ReverificationConfig? = nil
    ) -> Bool {
        guard let userID, !userID.isEmpty, machine == nil else { return false }
        var asked = false
        if role != nil || permission != nil {
            asked = true
            guard checkOrganization(role: role, permission: permission) else { return false }
        }
        if feature != nil || plan != nil {
            asked = true
            if let feature, !checkBilling(feature, in: features) { return false }
            if let plan, !checkBilling(plan, in: plans) { return false }
        }
        if let reverification {
            asked = true
            guard isFresh(reverification) else { return false }
        }
        return asked
    }

    private static func normalizedOrgName(_ value: String) -> String {
        var name = Substring(value)
        while name.hasPrefix("org:") { name = name.dropFirst(4) }
        return "org:" + name
    }

    private func checkOrganization(role: String?, permission: String?) -> Bool {
        guard orgID != nil else { return false }
        if let role {
            guard let orgRole, !orgRole.isEmpty, ClerkAuth.normalizedOrgName(orgRole) == ClerkAuth.normalizedOrgName(role)
            else { return false }
        }
        if let permission {
            guard let orgPermissions, orgPermissions.contains(ClerkAuth.normalizedOrgName(permission)) else {
                return false
            }
        }
        return true
    }

    private func checkBilling(_ value: String, in lists: (org: [String], user: [String])) -> Bool {
        guard !lists.org.isEmpty || !lists.user.isEmpty else { return false }
        let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            let id = String(parts[1])
            switch parts[0] {
            case "o", "org", "organization": return lists.org.contains(id)
            case "u", "user": return lists.user.contains(id)
            default: return false
            }
        }
        return lists.org.contains(value) || lists.user.contains(value)
    }

    private func isFresh(_ config: ReverificationConfig) -> Bool {
        guard config.afterMinutes > 0, let fva = factorVerificationAge, fva.count == 2 else { return false }
        let (first, second) = (fva[0], fva[1])
        guard first >= -1, second >= -1, !(first == -1 && second == -1) else { return false }
        func fresh(_ age: Int) -> Bool { age != -1 && config.afterMinutes > age }
        switch config.level {
        case .firstFactor:
            return fresh(first)
        case .secondFactor:
            if second == -1 { return fresh(first) }
            if first == -1 { return fresh(second) }
            return fresh(second)
        case .multiFactor:
            if second == -1 { return fresh(first) }
            if first == -1 { return false }
            return fresh(first) && fresh(second)
        default:
            return false
        }
    }

    /// A token for this session: without a template, the verified session token itself (no network); with one, a
    /// new token minted by the Backend API (`POST /sessions/{sid}/tokens/{template}`). Machine auth objects return
    /// their raw token. `nil` when signed out.
    public func getToken(template: String? = nil, expiresInSeconds: Int64? = nil) async throws -> String? {
        if machine != nil { return isAuthenticated ? rawToken : nil }
        guard isAuthenticated, let sessionID else { return nil }
        if template == nil && expiresInSeconds == nil { return rawToken }
        guard let client else {
            throw ClerkError(.invalidConfiguration, "getToken(template:) needs the ClerkClient that authenticated the request")
        }
        return try await client.sessions.getToken(sessionID: sessionID, template: template, expiresInSeconds: expiresInSeconds)
    }
}
