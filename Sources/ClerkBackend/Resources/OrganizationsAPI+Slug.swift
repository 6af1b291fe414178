extension OrganizationsAPI {
    /// Fetches an organization by its slug: `getOrganization({ slug })` of `@clerk/backend`. The Backend API takes an
    /// id or a slug in the same path (`GET /organizations/{organization_id}`); this spelling says which you mean.
    ///
    /// - Throws: ``ClerkAPIResponseError`` (404 when no organization has that slug); ``ClerkError`` for an empty slug
    ///   or `.`/`..`, refused before any request.
    public func getOrganization(
        slug: String, query: GetOrganizationQuery = GetOrganizationQuery()
    ) async throws -> Organization {
        try await getOrganization(slug, query: query)
    }
}
