/// The names Clerk's SDKs share on the wire: cookies, headers and query parameters, the `constants` of
/// `@clerk/backend`. Use them to read or clear Clerk's cookies, set the headers a proxy forwards, or recognise a
/// handshake in logs. The `cat` values of Clerk's JWTs are ``JWTCategory``'s.
public enum ClerkConstants {
    /// Cookie names (each may also appear with a suffix, `__session_<suffix>`, when the instance asks for suffixed
    /// cookies).
    public enum Cookies {
        /// The session token.
        public static let session = "__session"
        /// The refresh token (development instances with suffixed cookies).
        public static let refresh = "__refresh"
        /// When the client last signed in or out (Unix seconds); `0` when signed out.
        public static let clientUAT = "__client_uat"
        /// The handshake payload.
        public static let handshake = "__clerk_handshake"
        /// The dev-browser token of a development instance.
        public static let devBrowser = "__clerk_db_jwt"
        /// How many handshake redirects this browser went through (a loop guard).
        public static let redirectCount = "__clerk_redirect_count"
        /// The handshake nonce, redeemed for the payload through the Backend API.
        public static let handshakeNonce = "__clerk_handshake_nonce"
    }

    /// Header names.
    public enum Headers {
        /// The request's authentication status, set on responses when debug headers are on.
        public static let authStatus = "x-clerk-auth-status"
        /// Why the request is signed out, set with ``authStatus``.
        public static let authReason = "x-clerk-auth-reason"
        /// The explanation of ``authReason``.
        public static let authMessage = "x-clerk-auth-message"
        /// The token that authenticated the request (set by some frameworks; this SDK never sends it).
        public static let authToken = "x-clerk-auth-token"
        /// The URL of the request as the proxy saw it.
        public static let clerkURL = "x-clerk-clerk-url"
        /// Where a handshake sends the browser back to.
        public static let clerkRedirectTo = "x-clerk-redirect-to"
        /// Turns on debug output in some frameworks.
        public static let enableDebug = "x-clerk-debug"
        /// Extra request data forwarded by some frameworks.
        public static let clerkRequestData = "x-clerk-request-data"
        /// Sent by the Frontend API proxy: the public URL of the proxy.
        public static let clerkProxyURL = "Clerk-Proxy-Url"
        /// Sent by the Frontend API proxy: the instance's secret key.
        public static let clerkSecretKey = "Clerk-Secret-Key"
        /// `Authorization`.
        public static let authorization = "authorization"
        /// `X-Forwarded-Host`, believed only from trusted proxies.
        public static let forwardedHost = "x-forwarded-host"
        /// `X-Forwarded-Proto`, believed only from trusted proxies.
        public static let forwardedProto = "x-forwarded-proto"
        /// `X-Forwarded-Port`.
        public static let forwardedPort = "x-forwarded-port"
        /// `X-Forwarded-For`: the client addresses a proxy saw.
        public static let forwardedFor = "x-forwarded-for"
        /// `Sec-Fetch-Dest`: `document` for a page navigation.
        public static let secFetchDest = "sec-fetch-dest"
    }

    /// Query parameter names.
    public enum QueryParameters {
        /// Whether a satellite has synced with the primary domain (`true`/`false`).
        public static let clerkSynced = "__clerk_synced"
        /// Whether the instance uses suffixed cookies (sent to the Frontend API).
        public static let suffixedCookies = "suffixed_cookies"
        /// Where the primary domain returns a satellite's browser to.
        public static let clerkRedirectURL = "__clerk_redirect_url"
        /// The dev-browser token, when it travels in a URL.
        public static let devBrowser = "__clerk_db_jwt"
        /// The legacy dev-browser parameter, only ever removed.
        public static let legacyDevBrowser = "__dev_session"
        /// The handshake payload.
        public static let handshake = "__clerk_handshake"
        /// Asks for a handshake help page.
        public static let handshakeHelp = "__clerk_help"
        /// Why a handshake was started.
        public static let handshakeReason = "__clerk_hs_reason"
        /// The handshake nonce.
        public static let handshakeNonce = "__clerk_handshake_nonce"
        /// The handshake answer's format (`nonce`).
        public static let handshakeFormat = "format"
    }
}
