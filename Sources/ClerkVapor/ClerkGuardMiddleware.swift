import Foundation
public import Vapor
import HTTPTypes

/// Refuses requests that are not signed in, or whose user lacks a role, permission, feature or plan
/// (`requireAuth()` and `has()` of Clerk's SDKs). Runs after ``ClerkMiddleware``.
///
/// - **Signed out**: a browser page navigation (`GET`/`HEAD` with `Sec-Fetch-Dest: document`, or without
///   `Sec-Fetch-Dest` and with an `Accept` that includes `text/html`) is redirected (`307`) to the sign-in page
///   (``ClerkVaporOptions/signInURL``, else `CLERK_SIGN_IN_URL`, else the instance's hosted sign-in page derived from
///   the publishable key, as `RequestState.redirectToSignIn()` builds it) with `redirect_url` set to the page; any
///   other request gets `401` with a Clerk-style JSON body:
///   `{"errors":[{"code":"authentication_invalid","message":"Unauthenticated","long_message":"…"}]}`.
/// - **Signed in without the requirement**: `403` with
///   `{"errors":[{"code":"authorization_invalid","message":"Forbidden","long_message":"…"}]}`. When only a
///   reverification requirement fails, the body also carries Clerk's reverification hint
///   (`{"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{"reverification":…}}}`),
///   which Clerk's frontend SDKs recognise to ask the user to verify again.
///
/// ```swift
/// let signedIn = app.grouped(ClerkGuardMiddleware.requireAuth())
/// let admins = app.grouped(ClerkGuardMiddleware.require(role: "org:admin"))
/// let reports = app.grouped(ClerkGuardMiddleware.require(permission: "org:reports:read"))
/// let pro = app.grouped(ClerkGuardMiddleware.require(plan: "pro"))
/// ```
///
/// Without a ``ClerkMiddleware`` before it, every request is answered `500` (a setup mistake, logged).
public struct ClerkGuardMiddleware: Middleware {
    /// What the signed-in caller must have. Each condition set must hold (as in `has()`).
    public struct Requirement: Sendable {
        /// A role in the active organization (`admin` and `org:admin` are the same).
        public var role: String?
        /// A permission in the active organization (`org:reports:read`).
        public var permission: String?
        /// A billing feature (`premium`, `o:premium`, `u:premium`).
        public var feature: String?
        /// A billing plan (`pro`, `o:pro`, `u:pro`).
        public var plan: String?
        /// A recent enough factor verification.
        public var reverification: ReverificationConfig?
        /// Any other check.
        public var predicate: (@Sendable (ClerkAuth) -> Bool)?

        /// Creates a requirement.
        public init(
            role: String? = nil, permission: String? = nil, feature: String? = nil, plan: String? = nil,
            reverification: ReverificationConfig? = nil, predicate: (@Sendable (ClerkAuth) -> Bool)? = nil
        ) {
            self.role = role
            self.permission = permission
            self.feature = feature
            self.plan = plan
            self.reverification = reverification
            self.predicate = predicate
        }

        /// Whether the role/permission/feature/plan conditions and the predicate hold (`true` when none is set).
        func authorizes(_ auth: ClerkAuth) -> Bool {
            if role != nil || permission != nil || feature != nil || plan != nil {
                guard auth.has(role: role, permission: permission, feature: feature, plan: plan) else { return false }
            }
            if let predicate, !predicate(auth) { return false }
            return true
        }
    }

    /// The requirement beyond being signed in (`nil`: signed in is enough).
    public let requirement: Requirement?
    /// The credential types the guarded routes accept (`nil`: what ``ClerkMiddleware`` accepted).
    public let acceptsToken: AcceptsToken?
    /// The sign-in page for signed-out page navigations (`nil`: the application's).
    public let signInURL: URL?

    /// Creates a guard.
    ///
    /// - Parameters:
    ///   - requirement: what the caller must have beyond being signed in.
    ///   - acceptsToken: the credential types accepted here; another type counts as signed out.
    ///   - signInURL: where signed-out page navigations go (default: ``ClerkVaporOptions/signInURL``, else
    ///     `CLERK_SIGN_IN_URL`; when neither is set they get `401`).
    public init(requirement: Requirement? = nil, acceptsToken: AcceptsToken? = nil, signInURL: URL? = nil) {
        self.requirement = requirement
        self.acceptsToken = acceptsToken
        self.signInURL = signInURL
    }

    /// Requires a signed-in caller (`requireAuth()`).
    public static func requireAuth(acceptsToken: AcceptsToken? = nil, signInURL: URL? = nil) -> ClerkGuardMiddleware {
        ClerkGuardMiddleware(acceptsToken: acceptsToken, signInURL: signInURL)
    }

    /// Requires a signed-in caller for whom `has(role:permission:feature:plan:reverification:)` holds.
    public static func require(
        role: String? = nil, permission: String? = nil, feature: String? = nil, plan: String? = nil,
        reverification: ReverificationConfig? = nil, acceptsToken: AcceptsToken? = nil, signInURL: URL? = nil
    ) -> ClerkGuardMiddleware {
        ClerkGuardMiddleware(
            requirement: Requirement(role: role, permission: permission, feature: feature, plan: plan, reverification: reverification),
            acceptsToken: acceptsToken, signInURL: signInURL
        )
    }

    /// Requires a signed-in caller for whom `predicate` holds (machine tokens too: check `ClerkAuth.machine`).
    public static func require(
        acceptsToken: AcceptsToken? = nil, signInURL: URL? = nil,
        where predicate: @escaping @Sendable (ClerkAuth) -> Bool
    ) -> ClerkGuardMiddleware {
        ClerkGuardMiddleware(requirement: Requirement(predicate: predicate), acceptsToken: acceptsToken, signInURL: signInURL)
    }

    /// Lets the request through, or answers 401, a redirect or 403; see ``ClerkGuardMiddleware``.
    ///
    /// Synchronous on the event loop (the decision needs no I/O): no task per request.
    /// When the guard accepts a token type its ``ClerkMiddleware`` did not, the token is verified for the guard's
    /// types first (see `Request.Clerk.auth(acceptsToken:)`), in a task.
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.clerk.isAuthenticatedByMiddleware else {
            request.logger.error("ClerkGuardMiddleware needs a ClerkMiddleware before it (app.middleware.use(ClerkMiddleware()))")
            return request.eventLoop.makeFailedFuture(Abort(.internalServerError, reason: "Clerk is not set up for this route"))
        }
        let auth: ClerkAuth
        if let acceptsToken {
            guard let stored = request.clerk.storedAuth(acceptsToken: acceptsToken) else {
                let clerk = request.clerk
                return request.eventLoop.makeFutureWithTask {
                    try await clerk.auth(acceptsToken: acceptsToken)
                }.flatMap { auth in
                    if let refusal = self.refusal(for: request, auth: auth) { return request.eventLoop.makeSucceededFuture(refusal) }
                    return next.respond(to: request)
                }
            }
            auth = stored
        } else {
            auth = request.clerk.auth
        }
        if let refusal = refusal(for: request, auth: auth) { return request.eventLoop.makeSucceededFuture(refusal) }
        return next.respond(to: request)
    }

    /// The response that refuses the request with `auth`, or `nil` to let it through.
    func refusal(for request: Request, auth: ClerkAuth) -> Response? {
        guard auth.isAuthenticated else {
            let target = signInURL ?? (try? request.application.clerk.configuration())?.signInURL
            if ClerkGuardMiddleware.isPageNavigation(request),
                let location = ClerkGuardMiddleware.signInRedirect(target: target, request: request)
            {
                var headers = HTTPHeaders()
                headers.add(name: .location, value: location)
                headers.add(name: .cacheControl, value: "no-store")
                return Response(status: .temporaryRedirect, headers: headers)
            }
            return ClerkErrorResponse.unauthenticated()
        }
        if let requirement {
            guard requirement.authorizes(auth) else { return ClerkErrorResponse.forbidden() }
            if let reverification = requirement.reverification, !auth.has(reverification: reverification) {
                return ClerkErrorResponse.reverificationRequired(reverification)
            }
        }
        return nil
    }

    /// A browser navigating to a page: `GET`/`HEAD` with `Sec-Fetch-Dest: document` (or `iframe`), or without
    /// `Sec-Fetch-Dest` and accepting `text/html`.
    static func isPageNavigation(_ request: Request) -> Bool {
        guard request.method == .GET || request.method == .HEAD else { return false }
        return ClerkRequest.isDocumentRequest(
            secFetchDest: request.headers.first(name: "sec-fetch-dest"), accept: request.headers.first(name: .accept)
        )
    }

    /// Where a signed-out page navigation goes: the request state's redirect (``ClerkRedirect``: the satellite's
    /// `__clerk_synced=false`, the dev-browser token across origins, session tasks) to `target`, else to the instance's
    /// hosted sign-in page. A `target` that already names its `redirect_url` is used as it is.
    static func signInRedirect(target: URL?, request: Request) -> String? {
        let target = target.flatMap { $0.absoluteString.isEmpty ? nil : $0 }
        if let target, target.absoluteString.contains("redirect_url=") {
            return signInLocation(target.absoluteString, returningTo: request)
        }
        if let state = request.clerk.requestState,
            let location = try? (target.map { try state.redirectToSignIn(signInURL: $0) } ?? state.redirectToSignIn())
        {
            return location.absoluteString
        }
        return target.flatMap { signInLocation($0.absoluteString, returningTo: request) }
    }

    /// The sign-in URL with `redirect_url` set to the request's public URL (an existing `redirect_url` is kept).
    static func signInLocation(_ signInURL: String, returningTo request: Request) -> String? {
        guard var components = URLComponents(string: signInURL), !signInURL.contains(where: { $0.isNewline }) else {
            return nil
        }
        let existing = components.percentEncodedQuery ?? ""
        if existing.split(separator: "&").contains(where: { $0.hasPrefix("redirect_url=") }) { return components.string }
        let publicOrigin = (try? request.application.clerk.configuration())?.options.publicOrigin
        guard let current = try? ClerkRequest(vapor: request, publicOrigin: publicOrigin) else { return components.string }
        let parameter = "redirect_url=" + percentEncode(current.url)
        components.percentEncodedQuery = existing.isEmpty ? parameter : existing + "&" + parameter
        return components.string
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// The JSON error responses of the Vapor integration: `ClerkErrorBody` (shaped like Backend API errors) as Vapor
/// responses.
public enum ClerkErrorResponse {
    /// `401` `{"errors":[{"code":"authentication_invalid","message":"Unauthenticated","long_message":"…"}]}`, with
    /// `WWW-Authenticate: Bearer`.
    public static func unauthenticated(
        longMessage: String = "You must be signed in to access this resource."
    ) -> Response {
        response(.unauthenticated(longMessage: longMessage))
    }

    /// `403` `{"errors":[{"code":"authorization_invalid","message":"Forbidden","long_message":"…"}]}`.
    public static func forbidden(
        longMessage: String = "You are not allowed to access this resource."
    ) -> Response {
        response(.forbidden(longMessage: longMessage))
    }

    /// `403` with the errors of ``forbidden(longMessage:)`` and Clerk's reverification hint
    /// (`clerk_error.reason = "reverification-error"`, the missing `level` and `afterMinutes`).
    public static func reverificationRequired(_ config: ReverificationConfig) -> Response {
        response(.reverificationRequired(config))
    }

    /// Any `ClerkErrorBody` as a response (`Content-Type: application/json`, `Cache-Control: no-store`).
    public static func response(_ body: ClerkErrorBody) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json; charset=utf-8")
        headers.add(name: .cacheControl, value: "no-store")
        for field in body.headerFields { headers.replaceOrAdd(name: field.name.rawName, value: field.value) }
        return Response(status: HTTPResponseStatus(statusCode: body.status.code), headers: headers, body: .init(data: body.json))
    }

    /// `400` `{"errors":[{"code":…,"message":…,"long_message":…}]}`.
    static func badRequest(code: String, message: String, longMessage: String, meta: [String: String]? = nil) -> Response {
        error(status: .badRequest, code: code, message: message, longMessage: longMessage, meta: meta)
    }

    static func error(status: HTTPResponseStatus, code: String, message: String, longMessage: String, meta: [String: String]? = nil) -> Response {
        response(.error(status: .init(code: Int(status.code)), code: code, message: message, longMessage: longMessage, meta: meta))
    }
}
