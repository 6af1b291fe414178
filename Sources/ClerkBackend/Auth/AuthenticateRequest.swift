#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Metrics
import HTTPTypes
import Synchronization
import Tracing

extension ClerkClient {
    /// Decides who is calling: the Swift `authenticateRequest` of `@clerk/backend`.
    ///
    /// Reads the `Authorization` header and Clerk's cookies, verifies the token, and answers a ``RequestState``:
    /// signed in (with ``RequestState/toAuth(treatPendingAsSignedOut:)``), signed out (with a reason), or handshake
    /// (the browser must be redirected: send ``RequestState/headerFields`` with status 307).
    ///
    /// - Throws: ``ClerkError`` for configuration problems only (missing or invalid publishable key, missing secret
    ///   key, an incomplete satellite setup), and a failed handshake-token check on development instances.
    public func authenticateRequest(_ request: ClerkRequest, options: AuthenticateRequestOptions = AuthenticateRequestOptions())
        async throws -> RequestState
    {
        if let client = try keyOverrideClient(options) {
            return try await client.authenticateRequest(request, options: options.withoutKeyOverrides)
        }
        return try await withClerkSpan("authenticateRequest", ofKind: .internal) { span in
            let context = try AuthenticateContext(request: request, options: options, client: self)
            let state = try await RequestAuthenticator(client: self, context: context).authenticate()
            // Attributes cost a dictionary: only for a span that records them (not the no-op tracer's).
            if let span, span.isRecording {
                span.attributes["clerk.auth.status"] = state.status.rawValue
                if let reason = state.reason { span.attributes["clerk.auth.reason"] = reason.rawValue }
            }
            if ClerkMetrics.isRecording {
                Counter(
                    label: "clerk_authenticate_request_total",
                    dimensions: [("status", state.status.rawValue), ("reason", state.reason?.rawValue ?? "")]
                ).increment()
            }
            return state
        }
    }
}

/// One-shot warnings (once per process).
enum OnceWarnings {
    static let azpMissing = Mutex(false)
    static let noAuthorizedParties = Mutex(false)

    static func once(_ flag: borrowing Mutex<Bool>) -> Bool {
        flag.withLock { seen in
            if seen { return false }
            seen = true
            return true
        }
    }
}

/// The decision procedure of `authenticateRequest` for one request.
struct RequestAuthenticator {
    let client: ClerkClient
    let context: AuthenticateContext
    var logger: Logger { client.options.logger }

    func authenticate() async throws -> RequestState {
        // Top-level dispatch (§2.6).
        if case .list(let types) = context.acceptsToken.kind {
            let parsed = context.tokenInHeader.map { MachineTokens.tokenType(of: $0) ?? .sessionToken } ?? .sessionToken
            if !types.contains(parsed) {
                return signedOutInvalidToken()
            }
        }
        if let token = context.tokenInHeader {
            switch context.acceptsToken.kind {
            case .any, .list:
                return try await authenticateAny(token)
            case .single(let type) where type == .sessionToken:
                return try await authenticateHeaderSession(token)
            case .single(let type):
                return await authenticateMachine(token, accepted: type)
            }
        }
        if case .single(let type) = context.acceptsToken.kind, type != .sessionToken {
            return signedOut(reason: .noTokenInHeader, message: "", tokenType: type)
        }
        return try await authenticateCookies()
    }

    // MARK: Header tokens

    func authenticateHeaderSession(_ token: String) async throws -> RequestState {
        if MachineTokens.hasOpaquePrefix(token) { return signedOut(reason: .tokenTypeMismatch, message: "") }
        let decoded = try? decodeJWT(token)
        if let decoded, isNonSessionJWT(decoded) { return signedOut(reason: .tokenTypeMismatch, message: "") }
        return try await verifiedHeaderSessionState(token, decoded: decoded)
    }

    /// Verifies a session token from the `Authorization` header into a signed-in state, or a session-error state.
    func verifiedHeaderSessionState(_ token: String, decoded: DecodedJWT?) async throws -> RequestState {
        do {
            let claims = try await client.verifyJWT(token, decoded: decoded, accepting: .session, options: context.verifyOptions)
            return try signedIn(claims: claims, token: token)
        } catch {
            return try await handleSessionError(error, carrier: .header, token: token, decoded: decoded)
        }
    }

    func authenticateAny(_ token: String) async throws -> RequestState {
        if MachineTokens.isMachineToken(token) {
            guard let type = MachineTokens.tokenType(of: token) else {
                return signedOut(reason: .tokenTypeMismatch, message: "Unknown machine token type", tokenType: nil)
            }
            if case .list(let types) = context.acceptsToken.kind, !types.contains(type) {
                return signedOut(reason: .tokenTypeMismatch, message: "", tokenType: type)
            }
            return await verifiedMachineState(token, type: type)
        }
        // Stricter than the reference: a JWT-template or M2M-category token is never a session token, here either.
        let decoded = try? decodeJWT(token)
        if let decoded, isNonSessionJWT(decoded) { return signedOut(reason: .tokenTypeMismatch, message: "") }
        return try await verifiedHeaderSessionState(token, decoded: decoded)
    }

    func authenticateMachine(_ token: String, accepted: TokenType) async -> RequestState {
        guard MachineTokens.isMachineToken(token), let type = MachineTokens.tokenType(of: token) else {
            return signedOut(reason: .tokenTypeMismatch, message: "", tokenType: accepted)
        }
        guard type == accepted else {
            return signedOut(reason: .tokenTypeMismatch, message: "", tokenType: accepted)
        }
        return await verifiedMachineState(token, type: type)
    }

    func verifiedMachineState(_ token: String, type: TokenType) async -> RequestState {
        do {
            let machine = try await client.machineTokens.verify(token, type: type, verifyOptions: context.verifyOptions)
            return state(
                .signedIn, reason: nil, message: nil, headers: [:], token: token, tokenType: type,
                auth: ClerkAuth.machine(machine, type: type, token: token)
            )
        } catch let error as MachineTokenVerificationError {
            return signedOut(reason: AuthReason(rawValue: error.code.rawValue), message: error.fullMessage, tokenType: type)
        } catch {
            return signedOut(reason: .unexpectedError, message: "Unexpected error", tokenType: type)
        }
    }

    /// A JWT whose `cat` says it is not a session token (JWT template, M2M), or a machine JWT.
    func isNonSessionJWT(_ decoded: DecodedJWT) -> Bool {
        MachineTokens.isMachineJWT(decoded) || !AcceptedCategories.session.accepts(decoded)
    }

    // MARK: Cookies (§2.8)

    func authenticateCookies() async throws -> RequestState {
        let isDevelopment = !context.isProduction
        if context.handshakeNonce != nil || context.handshakeToken != nil {
            do {
                return try await Handshake(client: client, context: context).resolve()
            } catch let error as TokenVerificationError where isDevelopment {
                throw ClerkError(
                    .invalidConfiguration,
                    error.reason == .tokenInvalidSignature
                        ? "Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again."
                        : "Clerk: Handshake token verification failed: \(error.fullMessage)."
                )
            } catch {
                logger.info("Clerk: handshake resolution failed; continuing", metadata: ["error": "\(Redaction.redactText(String(describing: error)))"])
            }
        }
        let hasCookies = context.sessionTokenInCookie != nil || context.clientUat > 0
        let synced = context.clerkQueryItems.first { $0.name == "__clerk_synced" }?.value
        let satelliteDocumentGET =
            context.isSatellite && context.secFetchDest == "document" && context.method == .get
        if satelliteDocumentGET && synced != "true" {
            let skipSatellite = !context.satelliteAutoSync && !hasCookies && synced != "false"
            if skipSatellite {
                return signedOut(reason: .sessionTokenAndUATMissing, message: "")
            }
            if !hasCookies || synced == "false" {
                if context.isProduction {
                    return handshake(reason: .satelliteCookieNeedsSyncing, message: "")
                }
                guard var signIn = URLComponents(string: context.signInURL) else {
                    return signedOut(reason: .satelliteCookieNeedsSyncing, message: "Invalid signInURL")
                }
                // signInURL's own parameters keep their encoding; the return URL is encoded whole (`+` too).
                let redirect = "__clerk_redirect_url=" + APIRequest.percentEncodeSegment(context.clerkURLString)
                signIn.percentEncodedQuery = ([signIn.percentEncodedQuery].compactMap { $0 } + [redirect]).joined(separator: "&")
                return handshake(reason: .satelliteCookieNeedsSyncing, message: "", location: signIn.string)
            }
        }
        let redirectBack = context.clerkQueryItems.first { $0.name == "__clerk_redirect_url" }?.value
        if isDevelopment && !context.isSatellite, let redirectBack {
            guard var target = validatedRedirect(redirectBack) else {
                return signedOut(reason: .redirectNotAllowed, message: "__clerk_redirect_url is not an allowed origin")
            }
            // The other parameters keep their exact encoding.
            target = Handshake.removingQueryParameters(["__clerk_synced"], from: target)
            var added: [String] = []
            if let devBrowser = context.devBrowserToken {
                added.append("__clerk_db_jwt=" + APIRequest.percentEncodeSegment(devBrowser))
            }
            added.append("__clerk_synced=true")
            target.percentEncodedQuery = ([target.percentEncodedQuery].compactMap { $0 } + added).joined(separator: "&")
            return handshake(reason: .primaryRespondsToSyncing, message: "", location: target.string)
        }
        if isDevelopment, context.clerkQueryItems.contains(where: { $0.name == "__clerk_db_jwt" }) {
            return handshake(reason: .devBrowserSync, message: "")
        }
        if isDevelopment && context.devBrowserToken == nil {
            return handshake(reason: .devBrowserMissing, message: "")
        }
        guard let sessionToken = context.sessionTokenInCookie else {
            if context.clientUat <= 0 {
                return signedOut(reason: .sessionTokenAndUATMissing, message: "")
            }
            return handshake(reason: .clientUATWithoutSessionToken, message: "")
        }
        if context.clientUat <= 0 {
            return handshake(reason: .sessionTokenWithoutClientUAT, message: "")
        }
        let decoded: DecodedJWT
        do {
            decoded = try context.decodedSessionCookie ?? decodeJWT(sessionToken)
        } catch {
            return try await handleSessionError(error, carrier: .cookie, token: nil, decoded: nil)
        }
        if isNonSessionJWT(decoded) {
            return signedOut(reason: .tokenTypeMismatch, message: "")
        }
        if let iat = decoded.claims.iat, iat < Double(context.clientUat) {
            return handshake(reason: .sessionTokenIATBeforeClientUAT, message: "")
        }
        if (context.verifyOptions.authorizedParties ?? []).isEmpty, OnceWarnings.once(OnceWarnings.noAuthorizedParties) {
            logger.info("Clerk: authenticating cookies without authorizedParties; set them to the origins of your frontend so tokens minted for other sites are refused.")
        }
        let claims: JWTClaims
        let signedInState: RequestState
        do {
            claims = try await client.verifyJWT(sessionToken, decoded: decoded, accepting: .session, options: context.verifyOptions)
            // Claims that cannot become an auth object (a v2 `fea` without scopes) sign out; they are never thrown.
            signedInState = try signedIn(claims: claims, token: sessionToken)
        } catch {
            return try await handleSessionError(error, carrier: .cookie, token: sessionToken, decoded: decoded)
        }
        if claims.azp == nil, OnceWarnings.once(OnceWarnings.azpMissing) {
            logger.info("Clerk: session token without azp claim; check that your Clerk instance sets it.")
        }
        if isCrossOriginDocumentNavigation() {
            return handshake(reason: .primaryDomainCrossOriginSync, message: "Cross-origin request from satellite domain requires handshake")
        }
        if let auth = signedInState.toAuth(), auth.userID != nil, let sync = context.organizationSync,
            let target = OrganizationSync.target(for: context.clerkURL.path, options: sync),
            OrganizationSync.mustActivate(target, auth: auth)
        {
            if context.redirectCount >= 3 {
                logger.info("Clerk: organization sync skipped after too many redirects")
            } else {
                return handshake(reason: .activeOrganizationMismatch, message: "", organizationTarget: target)
            }
        }
        return signedInState
    }

    func isCrossOriginDocumentNavigation() -> Bool {
        guard !context.isSatellite, context.method == .get, context.secFetchDest == "document",
            context.redirectCount == 0, let referrer = context.referrer,
            let referrerURL = URLComponents(string: referrer), let referrerHost = referrerURL.host
        else { return false }
        if AuthenticateContext.origin(of: referrerURL) == context.origin { return false }
        let fapiHost = URLComponents(string: context.frontendAPI.hasPrefix("http") ? context.frontendAPI : "https://" + context.frontendAPI)?.host ?? context.frontendAPI
        if referrerHost.lowercased() == fapiHost.lowercased() { return false }
        if !context.isProduction {
            let host = referrerHost.lowercased()
            let devPortals = [".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"]
            if devPortals.contains(where: { host.hasSuffix($0) }) && !devPortals.contains(where: { host.hasSuffix(".clerk" + $0) }) {
                return false
            }
            if host.hasPrefix("accounts."), [".lcl.dev", ".lclstage.dev", ".lclclerk.com"].contains(where: { host.hasSuffix($0) }) {
                return false
            }
        }
        let portalHost = Handshake.accountsPortalHost(for: context.frontendAPI)
        if AuthenticateContext.origin(of: referrerURL)
            == FrontendAPIURL.scheme(forHost: portalHost, isProduction: context.isProduction) + "://" + portalHost
        {
            return false
        }
        return true
    }

    /// An allowed target for `__clerk_redirect_url`: an absolute http(s) URL on the request's origin, a configured
    /// origin, or (development) a loopback origin.
    func validatedRedirect(_ raw: String) -> URLComponents? {
        guard raw.utf8.count <= 4096, !raw.contains(where: { $0.isNewline }),
            let url = URLComponents(string: raw), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty, url.user == nil
        else { return nil }
        let origin = AuthenticateContext.origin(of: url)
        if origin == context.origin || context.allowedRedirectOrigins.contains(origin) { return url }
        if !context.isProduction && ClerkClient.isLoopback(host: host) { return url }
        if !context.domain.isEmpty, host.lowercased() == context.domain.lowercased() { return url }
        return nil
    }

    // MARK: Errors and refresh (§2.9)

    /// Turns a failed session-token check into a state. `token` is the token that failed, from `carrier`: an expired
    /// one has passed the signature check (expiry is checked after it), so it alone may be refreshed.
    func handleSessionError(
        _ error: any Error, carrier: TokenVerificationError.TokenCarrier, token: String?, decoded: DecodedJWT?
    ) async throws -> RequestState {
        guard var tokenError = error as? TokenVerificationError else {
            return signedOut(reason: .unexpectedError, message: "")
        }
        var refreshError: String?
        if tokenError.reason == .tokenExpired {
            if context.method != .get {
                refreshError = "non-eligible-non-get"
            } else if context.refreshTokenInCookie == nil {
                refreshError = "non-eligible-no-refresh-cookie"
            } else if let token, let expired = decoded ?? (try? decodeJWT(token)) {
                switch await SessionRefresher(client: client, context: context).refresh(expiredToken: token, decoded: expired) {
                case .success(let claims, let token, let headers):
                    if let state = try? signedIn(claims: claims, token: token, headers: headers) { return state }
                    refreshError = "invalid-session-token"
                case .failure(let reason):
                    refreshError = reason
                }
            } else {
                refreshError = "missing-session-token"
            }
        }
        tokenError.tokenCarrier = carrier
        switch tokenError.reason {
        case .tokenExpired:
            let reason = AuthReason(rawValue: "session-token-expired-refresh-\(refreshError ?? "null")")
            return handshake(reason: reason, message: tokenError.fullMessage)
        case .tokenNotActiveYet:
            return handshake(reason: .sessionTokenNBF, message: tokenError.fullMessage)
        case .tokenIatInTheFuture:
            return handshake(reason: .sessionTokenIatInTheFuture, message: tokenError.fullMessage)
        default:
            return signedOut(reason: AuthReason(rawValue: tokenError.reason.rawValue), message: tokenError.fullMessage)
        }
    }

    // MARK: States

    func signedIn(claims: JWTClaims, token: String, headers: HTTPFields = [:]) throws -> RequestState {
        let auth = try ClerkAuth(sessionClaims: claims, token: token, client: client)
        return state(.signedIn, reason: nil, message: nil, headers: headers, token: token, tokenType: .sessionToken, auth: auth)
    }

    func signedOut(reason: AuthReason, message: String, tokenType: TokenType? = .sessionToken, headers: HTTPFields = [:])
        -> RequestState
    {
        var headers = headers
        addDebugHeaders(&headers, status: .signedOut, reason: reason, message: message)
        return state(.signedOut, reason: reason, message: message, headers: headers, token: nil, tokenType: tokenType, auth: nil)
    }

    /// The reference's `signedOutInvalidToken`: a token of a type the route does not accept. No token type, and
    /// none of the context's URLs or keys.
    func signedOutInvalidToken() -> RequestState {
        var headers = HTTPFields()
        addDebugHeaders(&headers, status: .signedOut, reason: .tokenTypeMismatch, message: "")
        return RequestState(
            status: .signedOut, reason: .tokenTypeMismatch, message: "", headers: headers, token: nil, tokenType: nil,
            publishableKey: "", proxyURL: "", domain: "", isSatellite: false, signInURL: "", signUpURL: "",
            afterSignInURL: "", afterSignUpURL: "", auth: nil
        )
    }

    /// A handshake if the request is eligible (a browser document GET) and not looping; else signed out (§2.10).
    func handshake(
        reason: AuthReason, message: String, location: String? = nil, organizationTarget: OrganizationSync.Target? = nil
    ) -> RequestState {
        let eligible =
            context.method == .get && ClerkRequest.isDocumentRequest(secFetchDest: context.secFetchDest, accept: context.accept)
        guard eligible else { return signedOut(reason: reason, message: message) }
        if context.redirectCount == 3 {
            logger.info(
                reason == .satelliteCookieNeedsSyncing
                    ? "Clerk: satellite sync is looping; check the satellite's domain, proxyURL and signInURL."
                    : "Clerk: handshake is looping; check that the publishable and secret keys belong to the same instance."
            )
            return signedOut(reason: reason, message: message)
        }
        var headers = HTTPFields()
        let target = location ?? Handshake.redirectURL(context: context, reason: reason, organizationTarget: organizationTarget)
        headers.append(HTTPField(name: .location, value: target))
        headers.append(HTTPField(name: .cacheControl, value: "no-store"))
        headers.append(HTTPField(name: .setCookie, value: "__clerk_redirect_count=\(context.redirectCount + 1); SameSite=Lax; HttpOnly; Max-Age=2"))
        addDebugHeaders(&headers, status: .handshake, reason: reason, message: message)
        return state(.handshake, reason: reason, message: message, headers: headers, token: nil, tokenType: .sessionToken, auth: nil)
    }

    func addDebugHeaders(_ headers: inout HTTPFields, status: AuthStatus, reason: AuthReason, message: String) {
        guard context.debugHeaders else { return }
        for (name, value) in [(HTTPField.Name.clerkAuthStatus, status.rawValue), (.clerkAuthReason, reason.rawValue), (.clerkAuthMessage, message)]
        where !value.isEmpty && RequestAuthenticator.isSafeHeaderValue(value) {
            headers.append(HTTPField(name: name, value: value))
        }
    }

    /// Printable ASCII only, no CR/LF, at most 1 KiB.
    static func isSafeHeaderValue(_ value: String) -> Bool {
        value.utf8.count <= 1024 && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    func state(
        _ status: AuthStatus, reason: AuthReason?, message: String?, headers: HTTPFields, token: String?,
        tokenType: TokenType?, auth: ClerkAuth?
    ) -> RequestState {
        RequestState(
            status: status, reason: reason, message: message, headers: headers, token: token, tokenType: tokenType,
            publishableKey: context.publishableKey?.key ?? "", proxyURL: context.proxyURL, domain: context.domain,
            isSatellite: context.isSatellite, signInURL: context.signInURL, signUpURL: context.signUpURL,
            afterSignInURL: context.afterSignInURL, afterSignUpURL: context.afterSignUpURL, auth: auth,
            devBrowserToken: context.devBrowserToken, requestURL: context.clerkURLString
        )
    }
}
