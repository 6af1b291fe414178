/// The version of this SDK, sent in the `User-Agent` header.
public enum ClerkBackendVersion {
    /// The SDK version (semantic versioning). Keep in step with CHANGELOG.md.
    public static let current = "0.1.0"
    /// The Backend API date version this SDK is written against, sent as `Clerk-API-Version`.
    public static let apiDateVersion = "2026-05-12"
    /// The default `User-Agent`: `clerk-backend-swift/<version>`.
    public static var userAgent: String { "clerk-backend-swift/\(current)" }
}
