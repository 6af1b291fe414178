#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Organization sync from URL patterns (§2.15): path-to-regexp v6 style patterns (`/orgs/:slug`, `/orgs/:id/(.*)`),
/// case-insensitive, optional trailing slash, anchored.
enum OrganizationSync {
    enum Target: Sendable, Hashable {
        case organizationID(String)
        case organizationSlug(String)
        case personalAccount
    }

    /// Which organization (or the personal account) the path asks for, if any.
    static func target(for path: String, options: OrganizationSyncOptions) -> Target? {
        for pattern in options.organizationPatterns {
            guard let parameters = match(pattern: pattern, path: path) else { continue }
            if let id = parameters["id"], !id.isEmpty { return .organizationID(id) }
            if let slug = parameters["slug"], !slug.isEmpty { return .organizationSlug(slug) }
            break
        }
        for pattern in options.personalAccountPatterns where match(pattern: pattern, path: path) != nil {
            return .personalAccount
        }
        return nil
    }

    /// Whether the session's active organization differs from the target.
    static func mustActivate(_ target: Target, auth: ClerkAuth) -> Bool {
        switch target {
        case .organizationSlug(let slug): auth.orgSlug != slug
        case .organizationID(let id): auth.orgID != id
        case .personalAccount: auth.orgID != nil
        }
    }

    /// Matches a path against a pattern; returns the named parameters, or `nil` when it does not match.
    static func match(pattern: String, path: String) -> [String: String]? {
        let patternSegments = segments(pattern)
        let pathSegments = segments(path)
        var parameters: [String: String] = [:]
        var index = 0
        for (position, segment) in patternSegments.enumerated() {
            if segment == "(.*)" || segment == "*" {
                // A wildcard takes the rest (possibly nothing), and must be last. Like path-to-regexp's `/(.*)`, it
                // needs its `/`: `/me/(.*)` matches `/me/` and `/me/x`, not `/me`.
                guard position == patternSegments.count - 1 else { return nil }
                guard index < pathSegments.count || path.hasSuffix("/") else { return nil }
                return parameters
            }
            guard index < pathSegments.count else { return nil }
            let value = pathSegments[index]
            if segment.hasPrefix(":") {
                let name = String(segment.dropFirst())
                guard !value.isEmpty else { return nil }
                parameters[name] = value.percentDecoded ?? value
            } else if segment.lowercased() != value.lowercased() {
                return nil
            }
            index += 1
        }
        return index == pathSegments.count ? parameters : nil
    }

    private static func segments(_ path: String) -> [String] {
        var trimmed = path
        while trimmed.hasSuffix("/") && trimmed.count > 1 { trimmed.removeLast() }
        return trimmed.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
