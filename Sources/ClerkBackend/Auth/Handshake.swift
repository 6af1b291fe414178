#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import Metrics
import HTTPTypes
import Synchronization
import Logging

/// Clerk's handshake: the redirect to the Frontend API that refreshes a browser's session cookies, and the
/// resolution of its answer.
struct Handshake {
    let client: ClerkClient
    let context: AuthenticateContext

    /// The `GET /v1/clients/handshake_payload` endpoint (called by the JS SDK; not in the public spec).
    static let handshakePayloadEndpoint = Endpoint(
        operationID: "GetHandshakePayload", method: .get, path: "/clients/handshake_payload"
    )

    /// Cookie names a handshake or refresh may set: Clerk's own, suffixed or not. Anything else is dropped.
    static let allowedCookieNames: Set<String> = [
        "__session", "__client_uat", "__clerk_db_jwt", "__refresh", "__clerk_handshake", "__clerk_handshake_nonce",
        "__clerk_redirect_count", "__clerk_synced", "__client",
    ]

    static func isAllowedCookie(_ directive: String) -> Bool {
        guard directive.utf8.count <= 8 * 1024, !directive.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }),
            let equals = directive.firstIndex(of: "=")
        else { return false }
        let name = directive[directive.startIndex..<equals].trimmed
        if allowedCookieNames.contains(name) { return true }
        guard let underscore = name.lastIndex(of: "_"), underscore > name.startIndex else { return false }
        let base = String(name[name.startIndex..<underscore])
        let suffix = name[name.index(after: underscore)...]
        return allowedCookieNames.contains(base) && !suffix.isEmpty
            && suffix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// The value of a `Set-Cookie` directive (between the first `=` and the next `;`).
    static func cookieValue(_ directive: String) -> (name: String, value: String)? {
        guard let equals = directive.firstIndex(of: "=") else { return nil }
        let name = directive[directive.startIndex..<equals].trimmed
        let rest = directive[directive.index(after: equals)...]
        let value = rest.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return (name, value)
    }

    /// `https://<frontend api>/v1/client/handshake?redirect_url=…&…` (§2.10).
    static func redirectURL(context: AuthenticateContext, reason: AuthReason, organizationTarget: OrganizationSync.Target?)
        -> String
    {
        var base = FrontendAPIURL.absolute(context.frontendAPI, isProduction: context.isProduction)
        while base.hasSuffix("/") { base.removeLast() }
        let redirect = Handshake.removingQueryParameters(["__clerk_db_jwt", "__dev_session"], from: context.clerkURL)
        var items: [URLQueryItem] = [
            URLQueryItem(name: "redirect_url", value: redirect.string ?? context.request.url),
            URLQueryItem(name: "__clerk_api_version", value: ClerkBackendVersion.apiDateVersion),
            URLQueryItem(name: "suffixed_cookies", value: context.usesSuffixedCookies ? "true" : "false"),
            URLQueryItem(name: "__clerk_hs_reason", value: reason.rawValue),
            URLQueryItem(name: "format", value: "nonce"),
        ]
        if let token = context.sessionTokenInCookie ?? context.tokenInHeader {
            items.append(URLQueryItem(name: "__session", value: token))
        }
        if !context.isProduction, let devBrowser = context.devBrowserToken {
            items.append(URLQueryItem(name: "__clerk_db_jwt", value: devBrowser))
        }
        if let organizationTarget {
            switch organizationTarget {
            case .organizationID(let id): items.append(URLQueryItem(name: "organization_id", value: id))
            case .organizationSlug(let slug): items.append(URLQueryItem(name: "organization_id", value: slug))
            case .personalAccount: items.append(URLQueryItem(name: "organization_id", value: ""))
            }
        }
        var components = URLComponents(string: base + "/v1/client/handshake") ?? URLComponents()
        components.percentEncodedQuery = items.map { item in
            APIRequest.percentEncodeSegment(item.name) + "=" + APIRequest.percentEncodeSegment(item.value ?? "")
        }.joined(separator: "&")
        return components.string ?? base + "/v1/client/handshake"
    }

    /// `url` without the query parameters named in `names`; the other parameters keep their exact encoding (decoding
    /// and re-encoding them would turn an encoded `+` into a literal one, which servers read as a space).
    static func removingQueryParameters(_ names: Set<String>, from url: URLComponents) -> URLComponents {
        var url = url
        guard let query = url.percentEncodedQuery else { return url }
        let kept = query.split(separator: "&", omittingEmptySubsequences: false).filter { pair in
            let name = String(pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0])
            return !names.contains(name.percentDecoded ?? name)
        }
        url.percentEncodedQuery = kept.isEmpty ? nil : kept.joined(separator: "&")
        return url
    }

    /// The Account Portal host of a Frontend API host (`clerk.example.com` → `accounts.example.com`).
    static func accountsPortalHost(for frontendAPI: String) -> String {
        var host = AuthenticateContext.strippingScheme(frontendAPI)
        if host.hasPrefix("clerk.accountsstage.") {
            host = "accountsstage." + host.dropFirst("clerk.accountsstage.".count)
        } else if let range = host.firstRange(of: "clerk.accounts.") {
            host.replaceSubrange(range, with: "accounts.")
        } else if let range = host.firstRange(of: "clerk.") {
            host.replaceSubrange(range, with: "accounts.")
        }
        return host
    }

    /// Resolves a handshake answer (nonce or token) into a state (§2.11).
    func resolve() async throws -> RequestState {
        var directives: [String] = []
        if let nonce = context.handshakeNonce {
            directives = await client.handshakeDirectives(nonce: nonce)
        } else if let token = context.handshakeToken {
            directives = try await verifyHandshakeToken(token)
        }
        directives = directives.filter(Handshake.isAllowedCookie)
        var headers = HTTPFields()
        headers.append(HTTPField(name: .accessControlAllowOrigin, value: "null"))
        headers.append(HTTPField(name: .accessControlAllowCredentials, value: "true"))
        var sessionToken: String?
        for directive in directives {
            headers.append(HTTPField(name: .setCookie, value: directive))
            if let cookie = Handshake.cookieValue(directive), cookie.name.hasPrefix("__session") {
                sessionToken = cookie.value
            }
        }
        if !context.isProduction {
            let cleaned = Handshake.removingQueryParameters(
                ["__clerk_handshake", "__clerk_help", "__clerk_db_jwt", "__clerk_handshake_nonce"], from: context.clerkURL
            )
            headers.append(HTTPField(name: .location, value: cleaned.string ?? context.request.url))
            headers.append(HTTPField(name: .cacheControl, value: "no-store"))
        }
        let authenticator = RequestAuthenticator(client: client, context: context)
        guard let sessionToken, !sessionToken.isEmpty else {
            return authenticator.signedOut(reason: .sessionTokenMissing, message: "", headers: headers)
        }
        do {
            do {
                let claims = try await client.verifyToken(sessionToken, options: context.verifyOptions)
                return try authenticator.signedIn(claims: claims, token: sessionToken, headers: headers)
            } catch let error as TokenVerificationError
                where !context.isProduction && [.tokenExpired, .tokenNotActiveYet, .tokenIatInTheFuture].contains(error.reason)
            {
                client.options.logger.info("Clerk: the session token from the handshake failed a time check; your system clock may be off. Retrying with a 24 hour skew (development only).")
                var relaxed = context.verifyOptions
                relaxed.clockSkew = .seconds(86_400)
                let claims = try await client.verifyToken(sessionToken, options: relaxed)
                return try authenticator.signedIn(claims: claims, token: sessionToken, headers: headers)
            }
        } catch {
            // As the reference: a session token from the handshake that does not verify is a plain error, which the
            // caller logs before going on, even on development instances (only a bad handshake *token* is thrown).
            throw SessionTokenRejected(reason: (error as? TokenVerificationError)?.reason.rawValue ?? "unexpected-error")
        }
    }

    /// The handshake's session token did not verify.
    struct SessionTokenRejected: Error, CustomStringConvertible {
        let reason: String
        var description: String { "the session token from the handshake was rejected (\(reason))" }
    }

    struct HandshakePayload: Decodable, Sendable {
        var directives: [String]?
    }

    /// The lighter verification of a legacy handshake JWT (§1.9): no time or party checks, but a session (or
    /// "ignore") category only, so a JWT-template token can never set cookies.
    func verifyHandshakeToken(_ token: String) async throws -> [String] {
        let decoded = try decodeJWT(token)
        if !AcceptedCategories.session.accepts(decoded) {
            throw TokenVerificationError(reason: .tokenInvalid, message: "Invalid handshake token category.")
        }
        let key = try await client.resolveKey(for: decoded.header, skipCache: false)
        try client.checkHeaderAndSignature(decoded, key: key, headerType: nil)
        guard let entries = decoded.claims["handshake"]?.arrayValue else { return [] }
        return entries.compactMap(\.stringValue)
    }
}

/// Refreshes an expired session token with the suffixed refresh cookie (§2.9).
///
/// Only for a token whose signature verified (it failed on its expiry alone): its own `sid` names the session, and the
/// token itself is sent as `expired_token`, so nothing unverified reaches the Backend API. Calls are single-flight per
/// token and refresh cookie, a rejected pair is remembered for a minute, and new calls spend the
/// ``BackendAPIBudget/sessionRefresh`` budget.
struct SessionRefresher {
    let client: ClerkClient
    let context: AuthenticateContext

    enum Outcome {
        case success(JWTClaims, String, HTTPFields)
        case failure(String)
    }

    /// A refresh token as Clerk issues it: printable ASCII without separators, at most 4 KiB.
    static func isPlausibleRefreshToken(_ token: String) -> Bool {
        let bytes = token.utf8
        return !bytes.isEmpty && bytes.count <= 4096
            && bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: ";")
                && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "\\") }
    }

    /// A Clerk object id (`sess_…`): 1–128 letters, digits, `_` and `-`.
    static func isPlausibleID(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= 128
            && bytes.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    /// Refreshes `expiredToken`, a session token whose signature verified but which has expired.
    func refresh(expiredToken: String, decoded: DecodedJWT) async -> Outcome {
        guard let refreshToken = context.refreshTokenInCookie else { return .failure("missing-refresh-token") }
        guard SessionRefresher.isPlausibleRefreshToken(refreshToken) else { return .failure("invalid-refresh-token") }
        guard let sessionID = decoded.claims.sid else { return .failure("expired-session-token-missing-sid-claim") }
        guard SessionRefresher.isPlausibleID(sessionID) else { return .failure("expired-session-token-invalid-sid-claim") }
        var requestHeaders: [String: JSONValue] = [:]
        for field in context.request.headerFields {
            let key = field.name.canonicalName
            let existing = requestHeaders[key]?.arrayValue ?? []
            requestHeaders[key] = .array(existing + [.string(field.value)])
        }
        let body = RefreshSessionBody(
            expiredToken: expiredToken, refreshToken: refreshToken, requestOrigin: context.origin,
            requestHeaders: requestHeaders, format: "cookie"
        )
        var query = QueryItems()
        query.append("suffixed_cookies", context.usesSuffixedCookies ? true : nil)
        let result: SessionRefresh
        do {
            let request = try APIRequest(.refreshSession, path: [sessionID], query: query, json: body, retries: false)
            let clock = client.options.clock
            result = try await client.verificationCache.requests.refreshes.run(
                key: hexString(SHA256.hash(data: Array((expiredToken + "|" + refreshToken).utf8))),
                now: clock.now(), failureTTL: .seconds(60), clockNow: clock.now,
                admit: { await client.spendBudget(.sessionRefresh) },
                refused: { BudgetRefused(category: .sessionRefresh) },
                remember: ClerkClient.isDefiniteRejection
            ) { [client] in
                try await client.send(request) as SessionRefresh
            }
        } catch is BudgetRefused {
            return .failure("budget-exhausted")
        } catch let error as ClerkAPIResponseError {
            guard let code = error.errors.first?.code else { return .failure("unexpected-bapi-error") }
            return .failure(code == .unexpectedError ? "fetch-error" : code.rawValue)
        } catch {
            return .failure("unexpected-sdk-error")
        }
        guard case .cookies(let cookies) = result else { return .failure("unexpected-bapi-error") }
        var headers = HTTPFields()
        var newToken: String?
        for directive in cookies.cookies where Handshake.isAllowedCookie(directive) {
            headers.append(HTTPField(name: .setCookie, value: directive))
            if let cookie = Handshake.cookieValue(directive), cookie.name.hasPrefix("__session") { newToken = cookie.value }
        }
        guard let newToken, let claims = try? await client.verifyToken(newToken, options: context.verifyOptions) else {
            return .failure("invalid-session-token")
        }
        return .success(claims, newToken, headers)
    }
}

/// A call refused because its ``BackendAPIBudget`` is spent.
struct BudgetRefused: Error, CustomStringConvertible {
    let category: BackendAPIBudget.Category
    var description: String { "the Backend API budget for \(category.rawValue) is spent; no call was made" }
}

/// Per-instance single-flight tables for the calls that unauthenticated requests can cause (held by the client's
/// ``ClerkVerificationCache``).
final class RequestGuards: Sendable {
    let handshakes = SingleFlight<[String]>()
    let refreshes = SingleFlight<SessionRefresh>()
}

extension Handshake {
    /// A handshake nonce as Clerk issues it: 8–512 characters of letters, digits and `-_.~+/=`. Anything else is
    /// refused before any call.
    static func isPlausibleNonce(_ nonce: String) -> Bool {
        let bytes = nonce.utf8
        return bytes.count >= 8 && bytes.count <= 512
            && bytes.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "+"),
                        UInt8(ascii: "/"), UInt8(ascii: "=")].contains(byte)
            }
    }
}

extension ClerkClient {
    /// The `Set-Cookie` directives behind a handshake nonce, or none when the nonce is malformed, the budget is spent,
    /// or the Backend API does not give them (each logged, never thrown: the request then goes on signed out).
    ///
    /// Concurrent requests with the same nonce share one call, and a nonce the API rejected is remembered for a minute.
    func handshakeDirectives(nonce: String) async -> [String] {
        guard Handshake.isPlausibleNonce(nonce) else {
            Counter(label: "clerk_handshake_nonce_malformed_total").increment()
            options.logger.debug("Clerk: ignoring a malformed handshake nonce")
            return []
        }
        var query = QueryItems()
        query.append("nonce", nonce)
        let request = APIRequest(Handshake.handshakePayloadEndpoint, query: query, retries: false)
        let clock = options.clock
        do {
            return try await verificationCache.requests.handshakes.run(
                key: hexString(SHA256.hash(data: Array(nonce.utf8))), now: clock.now(), failureTTL: .seconds(60),
                clockNow: clock.now, admit: { await self.spendBudget(.handshakePayload) },
                refused: { BudgetRefused(category: .handshakePayload) }, remember: ClerkClient.isDefiniteRejection
            ) { [self] in
                let payload: Handshake.HandshakePayload = try await self.send(request)
                return payload.directives ?? []
            }
        } catch is BudgetRefused {
            return []
        } catch {
            options.logger.info("Clerk: fetching the handshake payload failed", metadata: ["error": "\(Redaction.redactText(String(describing: error)))"])
            return []
        }
    }

    /// A Backend API answer that will not change if asked again: a 4xx other than 429.
    static func isDefiniteRejection(_ error: any Error) -> Bool {
        guard let error = error as? ClerkAPIResponseError else { return false }
        return (400..<500).contains(error.status) && error.status != 429
    }
}
