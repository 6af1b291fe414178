@testable import ClerkBackend
import HTTPTypes
import Foundation
import Testing

@Suite("Organization sync: URL patterns (§2.15)")
struct OrganizationSyncTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let path: String
        let organizationPatterns: [String]
        let personalAccountPatterns: [String]
        let expected: OrganizationSync.Target?
        var testDescription: String { name }

        init(_ name: String, _ path: String, org: [String] = [], personal: [String] = [], _ expected: OrganizationSync.Target?) {
            self.name = name
            self.path = path
            self.organizationPatterns = org
            self.personalAccountPatterns = personal
            self.expected = expected
        }
    }

    static let recommended = ["/orgs/:id", "/orgs/:id/", "/orgs/:id/(.*)"]

    /// The reference's getOrganizationSyncTarget table, plus edge cases.
    static let cases: [Case] = [
        Case("none activates nothing", "/orgs/org_foo", nil),
        Case("Can activate an org by ID (basic)", "/orgs/org_foo", org: ["/orgs/:id"], .organizationID("org_foo")),
        Case("mismatch activates nothing", "/personal-account/my-org", org: ["/orgs/:id"], nil),
        Case("Can activate an org by ID (recommended matchers)", "/orgs/org_foo", org: recommended, .organizationID("org_foo")),
        Case("…with a trailing slash", "/orgs/org_foo/", org: recommended, .organizationID("org_foo")),
        Case("…with a trailing path component", "/orgs/org_foo/nested", org: recommended, .organizationID("org_foo")),
        Case("…with many trailing path components", "/orgs/org_foo/nested/deeper/path", org: recommended, .organizationID("org_foo")),
        Case(
            "…with an unrelated path token in the prefix", "/unrelated/orgs/org_foo/nested/deeper/path",
            org: ["/unrelated/orgs/:id", "/unrelated/orgs/:id/", "/unrelated/orgs/:id/(.*)"], .organizationID("org_foo")
        ),
        Case("Can activate an org by slug", "/orgs/my-org", org: ["/orgs/:slug"], .organizationSlug("my-org")),
        Case("Can activate the personal account", "/personal-account", personal: ["/personal-account"], .personalAccount),
        Case("ID match precedes slug match", "/orgs/org_foo", org: ["/orgs/:id", "/orgs/:slug"], .organizationID("org_foo")),
        Case("Within one pattern, id wins over slug", "/orgs/acme/org_foo", org: ["/orgs/:slug/:id"], .organizationID("org_foo")),
        Case(
            "org match precedes personal account", "/personal-account/my-org", org: ["/personal-account/:slug"],
            personal: ["/personal-account/(.*)"], .organizationSlug("my-org")
        ),
        Case("personal account may contain path tokens", "/user/123/home", personal: ["/user/:any", "/user/:any/(.*)"], .personalAccount),
        Case(
            "All of the config at once", "/orgs-by-slug/org_bar/sub/path",
            org: ["/orgs-by-id/:id", "/orgs-by-id/:id/(.*)", "/orgs-by-slug/:slug", "/orgs-by-slug/:slug/(.*)"],
            personal: ["/personal-account", "/personal-account/(.*)"], .organizationSlug("org_bar")
        ),
        // Edge cases.
        Case("Literal segments are case-insensitive", "/ORGS/Acme", org: ["/orgs/:slug"], .organizationSlug("Acme")),
        Case("Patterns are anchored at the end", "/orgs/acme/settings", org: ["/orgs/:slug"], nil),
        Case("Patterns are anchored at the start", "/x/orgs/acme", org: ["/orgs/:slug"], nil),
        Case("A parameter needs a value", "/orgs/", org: ["/orgs/:slug"], nil),
        Case("(.*) needs its separator: /me/(.*) does not match /me", "/me", personal: ["/me/(.*)"], nil),
        Case("(.*) may be empty after the separator", "/me/", personal: ["/me/(.*)"], .personalAccount),
        Case("(.*) takes any depth", "/me/a/b/c", personal: ["/me/(.*)"], .personalAccount),
        Case("/orgs/:slug/(.*) does not match the bare org path", "/orgs/acme", org: ["/orgs/:slug/(.*)"], nil),
        Case("A match without id or slug falls through to personal patterns", "/teams/x", org: ["/teams/:name"], personal: ["/teams/(.*)"], .personalAccount),
        Case("A match without id or slug stops the organization patterns", "/teams/x", org: ["/teams/:name", "/teams/:slug"], nil),
        Case("Non-matching everything", "/dashboard", org: ["/orgs/:id"], personal: ["/me"], nil),
    ]

    @Test("Targets", arguments: cases)
    func target(_ testCase: Case) {
        let options = OrganizationSyncOptions(organizationPatterns: testCase.organizationPatterns, personalAccountPatterns: testCase.personalAccountPatterns)
        #expect(OrganizationSync.target(for: testCase.path, options: options) == testCase.expected)
    }

    @Test("Must activate: another slug or id, or the personal account while an organization is active")
    func mustActivate() throws {
        let inOrg = try sessionAuth(["org_id": "org_1", "org_slug": "acme"])
        let personal = try sessionAuth([:])
        #expect(!OrganizationSync.mustActivate(.organizationID("org_1"), auth: inOrg))
        #expect(OrganizationSync.mustActivate(.organizationID("org_2"), auth: inOrg))
        #expect(!OrganizationSync.mustActivate(.organizationSlug("acme"), auth: inOrg))
        #expect(OrganizationSync.mustActivate(.organizationSlug("other"), auth: inOrg))
        #expect(OrganizationSync.mustActivate(.personalAccount, auth: inOrg))
        #expect(!OrganizationSync.mustActivate(.personalAccount, auth: personal))
        #expect(OrganizationSync.mustActivate(.organizationID("org_1"), auth: personal))
    }
}
