#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto

/// A Clerk publishable key (`pk_test_…` / `pk_live_…`), which encodes the instance's Frontend API host.
public struct PublishableKey: Sendable, Hashable, CustomStringConvertible {
    /// Development or production.
    public struct InstanceType: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `pk_test_…`: a development instance.
        public static let development: Self = "development"
        /// `pk_live_…`: a production instance.
        public static let production: Self = "production"
    }

    /// The key as given.
    public let key: String
    /// `production` for `pk_live_`, else `development`.
    public let instanceType: InstanceType
    /// The Frontend API host encoded in the key (`clerk.example.com`, `foo-bar-13.clerk.accounts.dev`).
    public let frontendAPI: String
    /// The suffix of this instance's cookie names: the first 8 characters of the URL-safe base64 SHA-1 of the key
    /// (computed once: every cookie request reads it).
    public let cookieSuffix: String
    /// `__refresh_<suffix>`, read on every cookie request.
    let refreshCookieName: String

    /// Parses a publishable key.
    /// - Throws: ``ClerkError`` with ``ClerkError/Code/invalidPublishableKey``.
    public init(_ key: String) throws {
        let key = key.trimmed
        guard !key.isEmpty else {
            throw ClerkError(.invalidPublishableKey, "Publishable key is missing. Set CLERK_PUBLISHABLE_KEY or ClerkOptions.publishableKey; find it in the Clerk Dashboard under API keys.")
        }
        let invalid = ClerkError(.invalidPublishableKey, "Publishable key not valid (expected format: pk_test_... or pk_live_...).")
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "pk", parts[1] == "test" || parts[1] == "live", !parts[2].isEmpty,
            parts[2].utf8.count <= 512
        else { throw invalid }
        var body = String(parts[2]).replacing("-", with: "+").replacing("_", with: "/")
        while body.utf8.count % 4 != 0 { body.append("=") }
        guard let data = Data(base64Encoded: body), let decoded = String(data: data, encoding: .utf8),
            decoded.hasSuffix("$"), decoded.filter({ $0 == "$" }).count == 1
        else { throw invalid }
        let host = String(decoded.dropLast())
        guard host.contains("."), !host.isEmpty,
            host.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "/" && $0 != "?" && $0 != "#" && $0 != "@" })
        else { throw invalid }
        self.key = key
        self.instanceType = parts[1] == "live" ? .production : .development
        self.frontendAPI = host
        self.cookieSuffix = String(Base64URL.encode(Array(Insecure.SHA1.hash(data: Array(key.utf8)))).prefix(8))
        self.refreshCookieName = "__refresh_" + cookieSuffix
    }

    /// Whether this is a production key.
    public var isProduction: Bool { instanceType == .production }


    public var description: String { key }
}
