import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// The SDK deprecates the SAML-connection methods (in favour of enterprise connections). The tests call them through
/// this protocol, whose implementation is deprecated, which keeps the build free of warnings.
private protocol SAMLConnectionCalls {
    static func create(_ clerk: ClerkClient, _ body: CreateSAMLConnectionBody) async throws -> SAMLConnection
    static func get(_ clerk: ClerkClient, _ id: String) async throws -> SAMLConnection
    static func list(_ clerk: ClerkClient, _ query: ListSAMLConnectionsQuery) async throws -> PaginatedResourceResponse<SAMLConnection>
    static func update(_ clerk: ClerkClient, _ id: String, _ body: UpdateSAMLConnectionBody) async throws -> SAMLConnection
    static func delete(_ clerk: ClerkClient, _ id: String) async throws -> DeletedObject
}

private enum DeprecatedSAMLConnectionCalls: SAMLConnectionCalls {
    @available(*, deprecated, message: "calls deprecated operations on purpose")
    static func create(_ clerk: ClerkClient, _ body: CreateSAMLConnectionBody) async throws -> SAMLConnection {
        try await clerk.samlConnections.createSAMLConnection(body)
    }

    @available(*, deprecated, message: "calls deprecated operations on purpose")
    static func get(_ clerk: ClerkClient, _ id: String) async throws -> SAMLConnection {
        try await clerk.samlConnections.getSAMLConnection(id)
    }

    @available(*, deprecated, message: "calls deprecated operations on purpose")
    static func list(_ clerk: ClerkClient, _ query: ListSAMLConnectionsQuery) async throws -> PaginatedResourceResponse<SAMLConnection> {
        try await clerk.samlConnections.getSAMLConnectionList(query)
    }

    @available(*, deprecated, message: "calls deprecated operations on purpose")
    static func update(_ clerk: ClerkClient, _ id: String, _ body: UpdateSAMLConnectionBody) async throws -> SAMLConnection {
        try await clerk.samlConnections.updateSAMLConnection(id, body)
    }

    @available(*, deprecated, message: "calls deprecated operations on purpose")
    static func delete(_ clerk: ClerkClient, _ id: String) async throws -> DeletedObject {
        try await clerk.samlConnections.deleteSAMLConnection(id)
    }
}

private var samlCalls: any SAMLConnectionCalls.Type { DeprecatedSAMLConnectionCalls.self }

/// Reads raw answers.
private enum OAuthSAMLRaw {
    /// The first error's `code`.
    static func code(_ json: JSONValue?) -> String? { json?["errors"]?.arrayValue?.first?["code"]?.stringValue }

    /// The first error's `meta.param_name`.
    static func parameter(_ json: JSONValue?) -> String? {
        json?["errors"]?.arrayValue?.first?["meta"]?["param_name"]?.stringValue
    }

    /// Whether a JSON object has this member at all.
    static func has(_ json: JSONValue?, _ name: String) -> Bool { json?.objectValue?.keys.contains(name) ?? false }
}

@Suite("Emulator: OAuth applications and SAML connections")
struct EmulatorOAuthAndSAMLTests {
    /// A self-signed certificate valid from 2025-01-01 to 2035-01-01 (UTC).
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBITCByKADAgECAgID6TAKBggqhkjOPQQDAjAaMRgwFgYDVQQDDA9pZHAuZXhh
        bXBsZS5jb20wHhcNMjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAwMDAwWjAaMRgwFgYD
        VQQDDA9pZHAuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ5
        8WUeJ3fch4iPaxBfRtK2D5QWrfTRmGis2Wb6XY2mbvTEOFc9JeXFAuXZJY8hYNfB
        wRqD+RrNrnQE+N6dYmG7MAoGCCqGSM49BAMCA0gAMEUCIQCrp//1t6AMq1NnITCA
        7CsVd78rhgHPbLgLQCFQqi8FRAIgK2ZHzGDU85ujdo6d+mTL0IvP734/47V4W8P8
        77t0smg=
        -----END CERTIFICATE-----
        """
    static let certificateIssuedAt: Int64 = 1_735_689_600_000
    static let certificateExpiresAt: Int64 = 2_051_222_400_000

    /// A self-signed certificate (base64 DER) valid from 2024-06-01 12:30:15 to 2060-06-01 (a GeneralizedTime).
    static let laterCertificate = "MIIBJDCByqADAgECAgID6jAKBggqhkjOPQQDAjAaMRgwFgYDVQQDDA9pZHAuZXhhbXBsZS5jb20wIBcNMjQwNjAxMTIzMDE1WhgPMjA2MDA2MDEwMDAwMDBaMBoxGDAWBgNVBAMMD2lkcC5leGFtcGxlLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDnxZR4nd9yHiI9rEF9G0rYPlBat9NGYaKzZZvpdjaZu9MQ4Vz0l5cUC5dkljyFg18HBGoP5Gs2udAT43p1iYbswCgYIKoZIzj0EAwIDSQAwRgIhAJOmHMT/dEnwp3yfTzP1OjZSODFyQxO0SM826G+IMv4yAiEAnR5ZXCPMfxF3uJIYBtnYsCT97RzBRONhQ4g5H0pbgM8="

    /// IdP metadata as Okta serves it: the entity id, two SSO bindings and the signing certificate.
    static let metadataXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exk1acme">
          <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing">
              <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
                <ds:X509Data>
                  <ds:X509Certificate>\(laterCertificate)</ds:X509Certificate>
                </ds:X509Data>
              </ds:KeyInfo>
            </md:KeyDescriptor>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.okta.com/app/exk1acme/sso/saml/post"/>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.okta.com/app/exk1acme/sso/saml"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """

    @Test("OAuth applications: create, get, list (name_query, order_by, paging), update, delete; then 404")
    func oauthApplications() async throws {
        try await withEmulator { emulator, clerk in
            let created = try await clerk.oauthApplications.create(
                CreateOAuthApplicationBody(name: "Reports App", redirectUris: ["https://reports.example.com/callback"], scopes: "profile email")
            )
            #expect(created.id.hasPrefix("oa_") && created.id.count == 30)
            #expect(created.object == .oauthApplication && created.instanceID == emulator.instanceID)
            #expect(created.clientID.count == 16 && (created.clientSecret ?? "").count == 32)
            #expect(created.consentScreenEnabled && !created.pkceRequired && !created.isPublic && !created.dynamicallyRegistered)
            #expect(created.redirectUris == ["https://reports.example.com/callback"] && created.scopes == "profile email")
            #expect(created.clientImageURL == nil && created.clientUri == nil && created.createdAt == created.updatedAt)
            #expect(created.authorizeURL == emulator.issuer + "/oauth/authorize")
            #expect(created.tokenFetchURL == emulator.issuer + "/oauth/token" && created.userInfoURL == emulator.issuer + "/oauth/userinfo")
            #expect(created.discoveryURL == emulator.issuer + "/.well-known/openid-configuration")
            #expect(created.tokenIntrospectionURL == emulator.issuer + "/oauth/token_info")

            let fetched = try await clerk.oauthApplications.get(created.id)
            #expect(fetched.clientID == created.clientID && fetched.name == "Reports App" && fetched.createdAt == created.createdAt)
            let raw = try await rawRequest(emulator, "GET", "/v1/oauth_applications/\(created.id)", key: emulator.secretKey)
            #expect(raw.status == 200 && raw.json?["callback_url"] == "https://reports.example.com/callback")
            #expect(!OAuthSAMLRaw.has(raw.json, "client_secret"), "the secret is shown only by create and rotate_secret")

            // A public client: PKCE, and no secret.
            let console = try await clerk.oauthApplications.create(CreateOAuthApplicationBody(name: "Admin Console", isPublic: true))
            #expect(console.isPublic && console.pkceRequired && console.clientSecret == "" && console.redirectUris.isEmpty)
            #expect(console.clientID != created.clientID)

            let all = try await clerk.oauthApplications.list()
            #expect(all.totalCount == 2 && all.data.map(\.id) == [created.id, console.id], "+created_at by default")
            #expect(try await clerk.oauthApplications.list(ListOAuthApplicationsQuery(orderBy: "-created_at")).data.map(\.id) == [console.id, created.id])
            #expect(try await clerk.oauthApplications.list(ListOAuthApplicationsQuery(orderBy: "name")).data.map(\.id) == [console.id, created.id])
            let page = try await clerk.oauthApplications.list(ListOAuthApplicationsQuery(limit: 1, offset: 1))
            #expect(page.totalCount == 2 && page.data.map(\.id) == [console.id])
            let byName = try await clerk.oauthApplications.list(ListOAuthApplicationsQuery(nameQuery: "REPORTS"))
            #expect(byName.totalCount == 1 && byName.data.map(\.id) == [created.id])
            #expect(try await clerk.oauthApplications.list(ListOAuthApplicationsQuery(nameQuery: console.clientID)).data.map(\.id) == [console.id])
            #expect(try await clerk.oauthApplications.list(ListOAuthApplicationsQuery(nameQuery: "nothing")).totalCount == 0)
            let badOrder = try await rawRequest(emulator, "GET", "/v1/oauth_applications?order_by=client_secret", key: emulator.secretKey)
            #expect(badOrder.status == 400 && OAuthSAMLRaw.parameter(badOrder.json) == "order_by")
            // `@clerk/backend` calls the list without `/v1`.
            let unversioned = try await rawRequest(emulator, "GET", "/oauth_applications", key: emulator.secretKey)
            #expect(unversioned.status == 200 && unversioned.json?["total_count"]?.intValue == 2)
            #expect(unversioned.json?["data"]?.arrayValue?.contains { OAuthSAMLRaw.has($0, "client_secret") } == false)

            let updated = try await clerk.oauthApplications.update(
                created.id,
                UpdateOAuthApplicationBody(
                    name: "Reports", redirectUris: ["https://reports.example.com/cb", "reports://oauth/callback"],
                    scopes: "openid profile email public_metadata", consentScreenEnabled: false
                )
            )
            #expect(updated.name == "Reports" && updated.redirectUris == ["https://reports.example.com/cb", "reports://oauth/callback"])
            #expect(updated.scopes == "openid profile email public_metadata" && !updated.consentScreenEnabled)
            #expect(updated.clientID == created.clientID && updated.updatedAt >= created.updatedAt)
            let refetched = try await rawRequest(emulator, "GET", "/v1/oauth_applications/\(created.id)", key: emulator.secretKey)
            #expect(refetched.json?["name"] == "Reports" && refetched.json?["callback_url"] == "https://reports.example.com/cb")

            // Refused: an unknown scope, a redirect URI that is not an absolute URL, a blank name.
            let badScope = try await rawRequest(
                emulator, "PATCH", "/v1/oauth_applications/\(created.id)", key: emulator.secretKey, body: #"{"scopes": "profile root"}"#
            )
            #expect(badScope.status == 422 && OAuthSAMLRaw.parameter(badScope.json) == "scopes")
            let badURI = try await rawRequest(
                emulator, "POST", "/v1/oauth_applications", key: emulator.secretKey,
                body: #"{"name": "Bad", "redirect_uris": ["/relative/callback"]}"#
            )
            #expect(badURI.status == 422 && OAuthSAMLRaw.parameter(badURI.json) == "redirect_uris")
            let blank = try await rawRequest(emulator, "POST", "/v1/oauth_applications", key: emulator.secretKey, body: #"{"name": "  "}"#)
            #expect(blank.status == 422 && OAuthSAMLRaw.parameter(blank.json) == "name")
            #expect(try await clerk.oauthApplications.list().totalCount == 2, "nothing was created by the refused requests")
            #expect(try await clerk.oauthApplications.get(created.id).scopes == "openid profile email public_metadata")

            let deleted = try await clerk.oauthApplications.delete(created.id)
            #expect(deleted.deleted && deleted.id == created.id && deleted.object == "oauth_application")
            let gone = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.oauthApplications.get(created.id) }
            #expect(gone?.status == 404 && gone?.firstCode == "resource_not_found")
            #expect(try await clerk.oauthApplications.list().data.map(\.id) == [console.id])
        }
    }

    @Test("OAuth applications: rotate_secret answers a new secret each time, never shown elsewhere; logo; revoke_token 204; unknown ids 404")
    func oauthSecretsLogoAndRevocation() async throws {
        try await withEmulator { emulator, clerk in
            let app = try await clerk.oauthApplications.create(CreateOAuthApplicationBody(name: "Rotating", redirectUris: ["https://app.example.com/cb"]))
            let first = try #require(app.clientSecret)
            let rotated = try await clerk.oauthApplications.rotateSecret(app.id)
            let second = try #require(rotated.clientSecret)
            #expect(second.count == 32 && second != first)
            #expect(rotated.id == app.id && rotated.clientID == app.clientID && rotated.updatedAt >= app.updatedAt)
            let third = try #require(try await clerk.oauthApplications.rotateSecret(app.id).clientSecret)
            #expect(third != second && third != first)

            // Get, list and update never show the secret.
            let fetched = try await rawRequest(emulator, "GET", "/v1/oauth_applications/\(app.id)", key: emulator.secretKey)
            #expect(fetched.status == 200 && !OAuthSAMLRaw.has(fetched.json, "client_secret"))
            let listed = try await rawRequest(emulator, "GET", "/v1/oauth_applications", key: emulator.secretKey)
            #expect(listed.json?["data"]?.arrayValue?.count == 1)
            #expect(listed.json?["data"]?.arrayValue?.contains { OAuthSAMLRaw.has($0, "client_secret") } == false)
            let patched = try await rawRequest(emulator, "PATCH", "/v1/oauth_applications/\(app.id)", key: emulator.secretKey, body: #"{"pkce_required": true}"#)
            #expect(patched.status == 200 && patched.json?["pkce_required"] == true && !OAuthSAMLRaw.has(patched.json, "client_secret"))

            // A public client's rotation answers an empty secret.
            let publicApp = try await clerk.oauthApplications.create(CreateOAuthApplicationBody(name: "SPA", isPublic: true))
            #expect(try await clerk.oauthApplications.rotateSecret(publicApp.id).clientSecret == "")

            // The logo: a new client_image_url; an upload without a file is refused.
            #expect(app.clientImageURL == nil)
            let logo = try await rawRequest(emulator, "PUT", "/v1/oauth_applications/\(app.id)/logo", key: emulator.secretKey, body: "fake png bytes")
            #expect(logo.status == 200)
            let imageURL = try #require(logo.json?["client_image_url"]?.stringValue)
            #expect(imageURL.hasPrefix("https://"))
            #expect(try await clerk.oauthApplications.get(app.id).clientImageURL == imageURL)
            let secondLogo = try await rawRequest(emulator, "PUT", "/v1/oauth_applications/\(app.id)/logo", key: emulator.secretKey, body: "other bytes")
            #expect(secondLogo.json?["client_image_url"]?.stringValue != imageURL)
            let empty = try await rawRequest(emulator, "PUT", "/v1/oauth_applications/\(app.id)/logo", key: emulator.secretKey, body: "")
            #expect(empty.status == 400 && OAuthSAMLRaw.parameter(empty.json) == "file")

            // Revoking a token answers 204 No Content; the token is required.
            try await clerk.oauthApplications.revokeToken(app.id, RevokeOAuthApplicationTokenBody(token: "oat_some_token"))
            let revoked = try await rawRequest(
                emulator, "POST", "/v1/oauth_applications/\(app.id)/revoke_token", key: emulator.secretKey, body: #"{"token": "refresh_token_value"}"#
            )
            #expect(revoked.status == 204 && revoked.json == nil)
            let noToken = try await rawRequest(emulator, "POST", "/v1/oauth_applications/\(app.id)/revoke_token", key: emulator.secretKey, body: "{}")
            #expect(noToken.status == 422 && OAuthSAMLRaw.parameter(noToken.json) == "token")

            // Every operation on an unknown id answers 404.
            let missing = "oa_2xMissingMissingMissingMis"
            let calls: [(method: String, path: String, body: String?)] = [
                ("GET", "/v1/oauth_applications/\(missing)", nil),
                ("PATCH", "/v1/oauth_applications/\(missing)", #"{"name": "Renamed"}"#),
                ("DELETE", "/v1/oauth_applications/\(missing)", nil),
                ("POST", "/v1/oauth_applications/\(missing)/rotate_secret", nil),
                ("POST", "/v1/oauth_applications/\(missing)/revoke_token", #"{"token": "t"}"#),
                ("PUT", "/v1/oauth_applications/\(missing)/logo", "bytes"),
            ]
            for call in calls {
                let answer = try await rawRequest(emulator, call.method, call.path, key: emulator.secretKey, body: call.body)
                #expect(answer.status == 404 && OAuthSAMLRaw.code(answer.json) == "resource_not_found", "\(call.method) \(call.path)")
            }
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.oauthApplications.rotateSecret(missing) }
            // A deleted application's secret cannot be rotated any more.
            _ = try await clerk.oauthApplications.delete(app.id)
            let afterDelete = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.oauthApplications.rotateSecret(app.id) }
            #expect(afterDelete?.status == 404)
        }
    }

    @Test("SAML connections: create, get, list (query, organization_id, order_by, paging), update with IdP metadata and activate, delete; then 404")
    func samlConnections() async throws {
        try await withEmulator { emulator, clerk in
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Acme"))
            let created = try await samlCalls.create(
                clerk, CreateSAMLConnectionBody(name: "Acme Okta", domains: ["Acme.com", "acme.io"], provider: .samlOkta, organizationID: organization.id)
            )
            #expect(created.id.hasPrefix("samlc_") && created.object == .samlConnection)
            #expect(created.name == "Acme Okta" && created.provider == "saml_okta" && created.organizationID == organization.id)
            #expect(created.domains == ["acme.com", "acme.io"], "lower-cased")
            #expect(!created.active && created.userCount == 0 && created.syncUserAttributes && !created.allowSubdomains && !created.forceAuthn)
            #expect(created.acsURL == emulator.issuer + "/v1/saml/acs/\(created.id)")
            #expect(created.spEntityID == emulator.issuer + "/saml/\(created.id)")
            #expect(created.spMetadataURL == emulator.issuer + "/v1/saml/metadata/\(created.id)")
            #expect(created.idpEntityID == nil && created.idpSsoURL == nil && created.idpCertificate == nil)
            #expect(created.idpCertificateIssuedAt == nil && created.idpCertificateExpiresAt == nil)
            #expect(created.loginHint.mode == .emailAddress && created.attributeMapping?.emailAddress == "mail")

            let globex = try await samlCalls.create(
                clerk,
                CreateSAMLConnectionBody(
                    name: "Globex Entra", domain: "globex.com", provider: .samlMicrosoft,
                    idpEntityID: "https://sts.windows.net/globex/", idpSsoURL: "https://login.microsoftonline.com/globex/saml2",
                    idpCertificate: Self.certificatePEM, attributeMapping: CreateSAMLConnectionBody.AttributeMapping(firstName: "givenname"), forceAuthn: true
                )
            )
            #expect(globex.domains == ["globex.com"] && globex.organizationID == nil && globex.forceAuthn)
            #expect(globex.idpCertificateIssuedAt == Self.certificateIssuedAt && globex.idpCertificateExpiresAt == Self.certificateExpiresAt)
            #expect(globex.attributeMapping?.firstName == "givenname" && globex.attributeMapping?.emailAddress == "mail")
            let rawGlobex = try await rawRequest(emulator, "GET", "/v1/saml_connections/\(globex.id)", key: emulator.secretKey)
            #expect(rawGlobex.status == 200 && rawGlobex.json?["domain"] == "globex.com" && rawGlobex.json?["authenticatable"] == false)

            let fetched = try await samlCalls.get(clerk, created.id)
            #expect(fetched.name == "Acme Okta" && fetched.domains == ["acme.com", "acme.io"] && fetched.createdAt == created.createdAt)

            let all = try await samlCalls.list(clerk, ListSAMLConnectionsQuery())
            #expect(all.totalCount == 2 && all.data.map(\.id) == [globex.id, created.id], "-created_at by default")
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery(orderBy: "name")).data.map(\.id) == [created.id, globex.id])
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery(orderBy: "+created_at")).data.map(\.id) == [created.id, globex.id])
            let page = try await samlCalls.list(clerk, ListSAMLConnectionsQuery(limit: 1, offset: 1))
            #expect(page.totalCount == 2 && page.data.map(\.id) == [created.id])
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery(query: "OKTA")).data.map(\.id) == [created.id])
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery(query: "nothing")).totalCount == 0)
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery(organizationID: [organization.id])).data.map(\.id) == [created.id])
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery(organizationID: ["+" + organization.id])).data.map(\.id) == [created.id])
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery(organizationID: ["-" + organization.id])).data.map(\.id) == [globex.id])
            let badOrder = try await rawRequest(emulator, "GET", "/v1/saml_connections?order_by=idp_certificate", key: emulator.secretKey)
            #expect(badOrder.status == 422 && OAuthSAMLRaw.parameter(badOrder.json) == "order_by")

            // Activation needs the IdP's configuration.
            let notConfigured = try await rawRequest(
                emulator, "PATCH", "/v1/saml_connections/\(created.id)", key: emulator.secretKey, body: #"{"active": true}"#
            )
            #expect(notConfigured.status == 422 && OAuthSAMLRaw.parameter(notConfigured.json) == "active")
            #expect(try await samlCalls.get(clerk, created.id).active == false)

            // IdP metadata fills the entity id, the SSO URL (HTTP-Redirect binding) and the certificate.
            let updated = try await samlCalls.update(
                clerk, created.id,
                UpdateSAMLConnectionBody(
                    name: "Acme SSO", domains: ["acme.com"], idpMetadata: Self.metadataXML, active: true, allowSubdomains: true,
                    loginHint: UpdateSAMLConnectionBody.LoginHint(mode: .customAttribute, source: "okta_login")
                )
            )
            #expect(updated.name == "Acme SSO" && updated.domains == ["acme.com"] && updated.active && updated.allowSubdomains)
            #expect(updated.idpEntityID == "http://www.okta.com/exk1acme")
            #expect(updated.idpSsoURL == "https://acme.okta.com/app/exk1acme/sso/saml")
            #expect(updated.idpCertificate == Self.laterCertificate && updated.idpMetadata == Self.metadataXML)
            #expect(updated.idpCertificateIssuedAt == 1_717_245_015_000 && updated.idpCertificateExpiresAt == 2_853_273_600_000)
            #expect(updated.loginHint.mode == .customAttribute && updated.loginHint.source == "okta_login")
            #expect(updated.updatedAt >= created.updatedAt && updated.organizationID == organization.id)
            let rawUpdated = try await rawRequest(emulator, "GET", "/v1/saml_connections/\(created.id)", key: emulator.secretKey)
            #expect(rawUpdated.json?["domain"] == "acme.com" && rawUpdated.json?["authenticatable"] == true)

            // The domain the update gave up is free again.
            let acmeIO = try await samlCalls.create(clerk, CreateSAMLConnectionBody(name: "Acme IO", domains: ["acme.io"], provider: .samlCustom))
            #expect(acmeIO.domains == ["acme.io"])

            let deactivated = try await samlCalls.update(clerk, created.id, UpdateSAMLConnectionBody(active: false))
            #expect(!deactivated.active && deactivated.idpEntityID == "http://www.okta.com/exk1acme")

            let deleted = try await samlCalls.delete(clerk, created.id)
            #expect(deleted.deleted && deleted.id == created.id && deleted.object == "saml_connection")
            let gone = await #expect(throws: ClerkAPIResponseError.self) { _ = try await samlCalls.get(clerk, created.id) }
            #expect(gone?.status == 404 && gone?.firstCode == "resource_not_found")
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery()).data.map(\.id) == [acmeIO.id, globex.id])
            // The deleted connection's domain can be used again.
            let again = try await samlCalls.create(clerk, CreateSAMLConnectionBody(name: "Acme again", domains: ["acme.com"], provider: .samlGoogle))
            #expect(again.domains == ["acme.com"] && again.id != created.id)
        }
    }

    @Test("SAML connections: a domain in use is refused, bad domains and IdP settings answer 422, unknown ids and organizations 404")
    func samlConnectionErrors() async throws {
        try await withEmulator { emulator, clerk in
            let first = try await samlCalls.create(clerk, CreateSAMLConnectionBody(name: "First", domains: ["example.org"], provider: .samlCustom))

            // A domain of another connection (in any case): refused, and nothing is created.
            let duplicate = try await rawRequest(
                emulator, "POST", "/v1/saml_connections", key: emulator.secretKey,
                body: #"{"name": "Second", "provider": "saml_custom", "domains": ["other.org", "EXAMPLE.org"]}"#
            )
            #expect(duplicate.status == 422 && OAuthSAMLRaw.code(duplicate.json) == "saml_connection_domain_exists")
            let legacy = try await rawRequest(
                emulator, "POST", "/v1/saml_connections", key: emulator.secretKey,
                body: #"{"name": "Legacy", "provider": "saml_okta", "domain": "example.org"}"#
            )
            #expect(legacy.status == 422 && OAuthSAMLRaw.code(legacy.json) == "saml_connection_domain_exists")
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery()).totalCount == 1)
            let second = try await samlCalls.create(clerk, CreateSAMLConnectionBody(name: "Second", domains: ["other.org"], provider: .samlGoogle))

            // An update onto another connection's domain is refused too, and changes nothing.
            let taken = try await rawRequest(
                emulator, "PATCH", "/v1/saml_connections/\(second.id)", key: emulator.secretKey, body: #"{"domains": ["other.org", "example.org"]}"#
            )
            #expect(taken.status == 422 && OAuthSAMLRaw.code(taken.json) == "saml_connection_domain_exists")
            #expect(try await samlCalls.get(clerk, second.id).domains == ["other.org"])
            // A connection keeps its own domains when it adds one.
            #expect(try await samlCalls.update(clerk, first.id, UpdateSAMLConnectionBody(domains: ["example.org", "example.net"])).domains == ["example.org", "example.net"])

            // Domains: one is needed; it must be a domain name, not a public email provider's.
            let bodies = [
                #"{"name": "None", "provider": "saml_custom"}"#,
                #"{"name": "Empty", "provider": "saml_custom", "domains": []}"#,
                #"{"name": "Bad", "provider": "saml_custom", "domains": ["not a domain"]}"#,
                #"{"name": "Gmail", "provider": "saml_custom", "domains": ["gmail.com"]}"#,
                #"{"name": "Provider", "provider": "saml_unknown", "domains": ["provider.example"]}"#,
                #"{"name": "Cert", "provider": "saml_custom", "domains": ["cert.example"], "idp_certificate": "not a certificate"}"#,
                #"{"name": "URL", "provider": "saml_custom", "domains": ["url.example"], "idp_sso_url": "ftp://idp.example/sso"}"#,
                #"{"name": "XML", "provider": "saml_custom", "domains": ["xml.example"], "idp_metadata": "<nothing/>"}"#,
                #"{"name": "Hint", "provider": "saml_custom", "domains": ["hint.example"], "login_hint": {"mode": "custom_attribute"}}"#,
                #"{"name": "Mapping", "provider": "saml_custom", "domains": ["map.example"], "attribute_mapping": {"email_address": 5}}"#,
            ]
            for body in bodies {
                let answer = try await rawRequest(emulator, "POST", "/v1/saml_connections", key: emulator.secretKey, body: body)
                #expect(answer.status == 422, "\(body)")
            }
            #expect(try await samlCalls.list(clerk, ListSAMLConnectionsQuery()).totalCount == 2, "the refused requests created nothing")

            // An unknown organization.
            let noOrganization = try await rawRequest(
                emulator, "POST", "/v1/saml_connections", key: emulator.secretKey,
                body: #"{"name": "Org", "provider": "saml_custom", "domains": ["org.example"], "organization_id": "org_missing"}"#
            )
            #expect(noOrganization.status == 404 && OAuthSAMLRaw.code(noOrganization.json) == "resource_not_found")

            // Every operation on an unknown id answers 404.
            let missing = "samlc_2xMissingMissingMissingMis"
            let calls: [(method: String, body: String?)] = [("GET", nil), ("PATCH", #"{"name": "Renamed"}"#), ("DELETE", nil)]
            for call in calls {
                let answer = try await rawRequest(emulator, call.method, "/v1/saml_connections/\(missing)", key: emulator.secretKey, body: call.body)
                #expect(answer.status == 404 && OAuthSAMLRaw.code(answer.json) == "resource_not_found", "\(call.method)")
            }
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await samlCalls.update(clerk, missing, UpdateSAMLConnectionBody(active: false)) }
        }
    }

    @Test("SAML connections: activation is refused (409) while verified organization domains auto-enroll its domain, unless their deletion is consented")
    func samlActivationAndVerifiedDomains() async throws {
        try await withEmulator { emulator, clerk in
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Initech"))
            _ = try await clerk.organizations.createOrganizationDomain(
                organization.id, CreateOrganizationDomainBody(name: "initech.example.com", enrollmentMode: "automatic_invitation", verified: true)
            )
            let connection = try await samlCalls.create(
                clerk,
                CreateSAMLConnectionBody(
                    name: "Initech", domains: ["initech.example.com"], provider: .samlCustom,
                    idpEntityID: "https://idp.initech.example.com", idpSsoURL: "https://idp.initech.example.com/sso",
                    idpCertificate: Self.certificatePEM, organizationID: organization.id
                )
            )
            let conflict = try await rawRequest(
                emulator, "PATCH", "/v1/saml_connections/\(connection.id)", key: emulator.secretKey, body: #"{"active": true}"#
            )
            #expect(conflict.status == 409)
            #expect(try await samlCalls.get(clerk, connection.id).active == false)
            #expect(try await clerk.organizations.getOrganizationDomainList(organization.id).data.count == 1)

            let activated = try await samlCalls.update(clerk, connection.id, UpdateSAMLConnectionBody(active: true, consentVerifiedDomainsDeletion: true))
            #expect(activated.active)
            #expect(try await clerk.organizations.getOrganizationDomainList(organization.id).data.isEmpty, "the verified domain was removed")
        }
    }
}
