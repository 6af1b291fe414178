public import ClerkBackend
public import Hummingbird
public import HummingbirdAuth

/// A hummingbird-auth `AuthorizationPolicy` over Clerk's Auth object: roles and permissions in the active
/// organization, billing features and plans, reverification, any `has()` condition, or your own check.
///
/// ```swift
/// router.group("reports")
///     .add(middleware: ClerkIsAuthenticatedMiddleware())
///     .add(middleware: ClerkAuthorizationMiddleware(.permission("org:reports:read")))
///
/// // hummingbird-auth's combinators work too:
/// ClerkAuthorizationMiddleware(anyOf {
///     ClerkPolicy.role("org:admin")
///     allOf { ClerkPolicy.permission("org:reports:read"); ClerkPolicy.feature("reports") }
/// })
/// ```
///
/// Every condition uses `ClerkAuth.has(…)`: `admin` and `org:admin` are the same role, and machine tokens and
/// signed-out requests never pass a `has()` condition.
public struct ClerkPolicy: AuthorizationPolicy, Sendable {
    /// The identity type: Clerk's Auth object.
    public typealias Identity = ClerkAuth

    private let check: @Sendable (ClerkAuth, Request) async throws -> Bool

    /// A policy from a closure.
    public init(_ check: @escaping @Sendable (ClerkAuth, Request) async throws -> Bool) {
        self.check = check
    }

    /// Whether the identity may proceed.
    public func isAuthorized(identity: ClerkAuth, request: Request) async throws -> Bool {
        try await check(identity, request)
    }
}

/// Clerk's policies, written as `.role("org:admin")`, `.permission(…)`, `.feature(…)` or `.plan(…)`.
extension AuthorizationPolicy where Self == ClerkPolicy {
    /// The user has this role in the active organization (`org:admin`, or `admin`).
    public static func role(_ role: String) -> ClerkPolicy {
        ClerkPolicy { auth, _ in auth.has(role: role) }
    }

    /// The user has this permission in the active organization (`org:reports:read`).
    public static func permission(_ permission: String) -> ClerkPolicy {
        ClerkPolicy { auth, _ in auth.has(permission: permission) }
    }

    /// The user or organization has this billing feature (`reports`, `o:reports`, `u:reports`).
    public static func feature(_ feature: String) -> ClerkPolicy {
        ClerkPolicy { auth, _ in auth.has(feature: feature) }
    }

    /// The user or organization has this billing plan (`pro`, `o:pro`, `u:pro`).
    public static func plan(_ plan: String) -> ClerkPolicy {
        ClerkPolicy { auth, _ in auth.has(plan: plan) }
    }

    /// The user verified recently enough (`.strict`, `.moderate`, …).
    public static func reverification(_ config: ReverificationConfig) -> ClerkPolicy {
        ClerkPolicy { auth, _ in auth.has(reverification: config) }
    }

    /// Every condition given must hold, as `ClerkAuth.has(role:permission:feature:plan:reverification:)`.
    public static func has(
        role: String? = nil, permission: String? = nil, feature: String? = nil, plan: String? = nil,
        reverification: ReverificationConfig? = nil
    ) -> ClerkPolicy {
        ClerkPolicy { auth, _ in
            auth.has(role: role, permission: permission, feature: feature, plan: plan, reverification: reverification)
        }
    }

    /// The credential is of one of these types (for example `[.apiKey, .m2mToken]`).
    public static func tokenType(_ types: Set<TokenType>) -> ClerkPolicy {
        ClerkPolicy { auth, _ in auth.tokenType.map(types.contains) ?? false }
    }

    /// A machine token (API key, M2M token, OAuth token) carrying this scope.
    public static func scope(_ scope: String) -> ClerkPolicy {
        ClerkPolicy { auth, _ in auth.machine?.scopes.contains(scope) ?? false }
    }

    /// Your own condition.
    public static func custom(_ check: @escaping @Sendable (ClerkAuth, Request) async throws -> Bool) -> ClerkPolicy {
        ClerkPolicy(check)
    }
}

/// Authorizes Clerk-authenticated requests: hummingbird-auth's `AuthorizationPolicyMiddleware`, answering `403` with
/// a Clerk-style JSON body (`{"errors":[{"code":"authorization_invalid","message":"Forbidden",…}]}`) when the
/// policy denies, and `401` (Clerk-style too) when the request is not authenticated at all.
///
/// ```swift
/// router.group("admin")
///     .add(middleware: ClerkAuthorizationMiddleware(.role("org:admin")))
///     .get("settings") { _, _ in "…" }
/// ```
///
/// Put it after ``ClerkAuthenticator`` (and usually after ``ClerkIsAuthenticatedMiddleware``, which also handles
/// sign-in redirects).
public struct ClerkAuthorizationMiddleware<Policy: AuthorizationPolicy, Context: AuthRequestContext>: RouterMiddleware
where Context.Identity == ClerkAuth, Policy.Identity == ClerkAuth {
    private let authorization: AuthorizationPolicyMiddleware<Policy, Context, ClerkHTTPError>

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - policy: the condition (``ClerkPolicy`` or any `AuthorizationPolicy` over `ClerkAuth`).
    ///   - deniedError: the error answered when the policy denies (default: Clerk-style `403`).
    ///   - context: the request context type (for type inference only).
    public init(
        _ policy: Policy, deniedError: ClerkHTTPError = .forbidden(), context: Context.Type = Context.self
    ) {
        authorization = AuthorizationPolicyMiddleware(policy, deniedError: deniedError, context: context)
    }

    /// Requires a recent verification (`auth.has(reverification: config)`) and, when it is missing, answers Clerk's
    /// `403` reverification hint (``ClerkHTTPError/reverificationRequired(_:)``), which clerk-js's `useReverification`
    /// reads to ask the user to verify again and retry: the `reverificationErrorResponse` of `@clerk/backend`.
    ///
    /// ```swift
    /// router.group("billing").add(middleware: ClerkAuthorizationMiddleware.reverification(.strict))
    /// ```
    public static func reverification(
        _ config: ReverificationConfig, context: Context.Type = Context.self
    ) -> ClerkAuthorizationMiddleware<ClerkPolicy, Context> {
        ClerkAuthorizationMiddleware<ClerkPolicy, Context>(
            .reverification(config), deniedError: .reverificationRequired(config), context: context
        )
    }

    /// Runs the rest of the chain when the identity satisfies the policy.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard context.identity != nil else {
            return ClerkHTTPError.unauthorized().response()
        }
        return try await authorization.handle(request, context: context, next: next)
    }
}
