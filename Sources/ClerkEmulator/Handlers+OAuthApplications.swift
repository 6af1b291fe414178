import ClerkBackend
import Foundation
import GRDB
import Logging

/// OAuth applications: the clients for which the instance is the OAuth 2.0 / OpenID Connect identity provider.
///
/// The client secret lives in the record's `secret` column, never in the document: as on Clerk, only the answers of
/// `CreateOAuthApplication` and `RotateOAuthApplicationSecret` show it (`client_secret`, empty for a public client).
extension EmulatorState {
    /// The scopes an OAuth application may ask for.
    static let oauthApplicationScopes: Set<String> = ["profile", "email", "public_metadata", "private_metadata", "openid", "offline_access"]

    static func registerOAuthApplications(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createOAuthApplication] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try Self.oauthApplicationName(body.requiredString("name"))
            let redirectURIs = try Self.oauthRedirectURIs(body) ?? []
            let scopes = try Self.oauthScopes(body.string("scopes")) ?? "profile email"
            let isPublic = try body.bool("public") ?? false
            // A public client cannot keep a secret: it must use PKCE.
            let pkceRequired = (try body.bool("pkce_required") ?? false) || isPublic
            let consentScreenEnabled = try body.bool("consent_screen_enabled") ?? true
            let now = nowMillis()
            let id = EmulatorIDs.make("oa")
            let secret = isPublic ? "" : Self.newOAuthClientSecret()
            var doc: [String: JSONValue] = [
                "object": "oauth_application", "id": .string(id), "instance_id": .string(state.keys.signer.kid),
                "name": .string(name), "client_id": .string(EmulatorIDs.random(length: 16)), "client_uri": .null,
                "client_image_url": .null, "dynamically_registered": false,
                "consent_screen_enabled": .bool(consentScreenEnabled), "pkce_required": .bool(pkceRequired),
                "public": .bool(isPublic), "scopes": .string(scopes),
                "redirect_uris": .array(redirectURIs.map { .string($0) }), "callback_url": .string(redirectURIs.first ?? ""),
                "created_at": .int(now), "updated_at": .int(now),
            ]
            for (key, value) in Self.oauthEndpoints(issuer: state.keys.issuer) { doc[key] = value }
            let created = JSONValue.object(doc)
            try await state.store.writer.write { db in
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: "oauth_application", parentID: nil, createdAt: now, updatedAt: now,
                        sortKey: name.lowercased(), doc: created, secret: secret.isEmpty ? nil : secret
                    ), db
                )
            }
            return try .json(Self.withClientSecret(created, secret))
        }
        table[.listOAuthApplications] = { state, request in
            var conditions = ["kind = 'oauth_application'"]
            var arguments: [any DatabaseValueConvertible] = []
            // A case-insensitive partial match of the name, or exactly the client id.
            if let query = request.queryValue("name_query"), !query.isEmpty {
                conditions.append("(LOWER(json_extract(doc, '$.name')) LIKE ? ESCAPE '\\' OR json_extract(doc, '$.client_id') = ?)")
                arguments += [likePattern(containing: query), query]
            }
            let order = try Self.order(
                request, allowed: ["created_at": "created_at", "name": "LOWER(json_extract(doc, '$.name'))"], default: "+created_at"
            )
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.getOAuthApplication] = { state, request in
            .rawJSON(try await state.record(request.path("oauth_application_id"), kind: "oauth_application", name: "OAuth application").docText)
        }
        table[.updateOAuthApplication] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try body.string("name").map(Self.oauthApplicationName)
            let redirectURIs = try Self.oauthRedirectURIs(body)
            let scopes = try Self.oauthScopes(body.string("scopes"))
            let consentScreenEnabled = try body.bool("consent_screen_enabled")
            let pkceRequired = try body.bool("pkce_required")
            let isPublic = try body.bool("public")
            return try await state.mutate(request.path("oauth_application_id"), kind: "oauth_application", name: "OAuth application") { doc in
                if let name { doc["name"] = .string(name) }
                if let redirectURIs {
                    doc["redirect_uris"] = .array(redirectURIs.map { .string($0) })
                    doc["callback_url"] = .string(redirectURIs.first ?? "")
                }
                if let scopes { doc["scopes"] = .string(scopes) }
                if let consentScreenEnabled { doc["consent_screen_enabled"] = .bool(consentScreenEnabled) }
                if let pkceRequired { doc["pkce_required"] = .bool(pkceRequired) }
                if let isPublic { doc["public"] = .bool(isPublic) }
                if doc["public"]?.boolMember == true { doc["pkce_required"] = true }
            }
        }
        table[.deleteOAuthApplication] = { state, request in
            let id = request.path("oauth_application_id")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: "oauth_application", db) != nil else {
                    throw EmulatorError.notFound("OAuth application")
                }
                try EmulatorStore.delete(id, db)
            }
            return try deleted("oauth_application", id: id)
        }
        table[.uploadOAuthApplicationLogo] = { state, request in
            let id = request.path("oauth_application_id")
            _ = try await state.record(id, kind: "oauth_application", name: "OAuth application")
            try Self.checkLogoUpload(request)
            // The image itself is not kept: the application gets a new image URL, as after an upload to Clerk.
            let imageURL = "https://img.clerk.com/emulator-oauth-application-logo/\(id)/\(EmulatorIDs.random(length: 16))"
            state.recordEffect(
                "OAuth application logo uploaded: the emulator does not store or serve the image",
                metadata: ["oauth_application_id": "\(id)", "bytes": "\(request.body.count)"]
            )
            return try await state.mutate(id, kind: "oauth_application", name: "OAuth application") { doc in
                doc["client_image_url"] = .string(imageURL)
            }
        }
        table[.rotateOAuthApplicationSecret] = { state, request in
            let id = request.path("oauth_application_id")
            let (doc, secret) = try await state.store.writer.write { db -> (JSONValue, String) in
                guard var record = try EmulatorStore.fetch(id, kind: "oauth_application", db) else {
                    throw EmulatorError.notFound("OAuth application")
                }
                var fields = record.doc.objectMembers ?? [:]
                // A public client has no secret (the answer's `client_secret` is empty).
                let secret = fields["public"]?.boolMember == true ? "" : Self.newOAuthClientSecret()
                record.updatedAt = nowMillis()
                fields["updated_at"] = .int(record.updatedAt)
                record.doc = .object(fields)
                record.secret = secret.isEmpty ? nil : secret
                try EmulatorStore.update(record, db)
                return (record.doc, secret)
            }
            return try .json(Self.withClientSecret(doc, secret))
        }
        table[.revokeOAuthApplicationToken] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            _ = try body.requiredString("token")
            _ = try await state.record(request.path("oauth_application_id"), kind: "oauth_application", name: "OAuth application")
            // The emulator issues no OAuth tokens, so there is nothing to revoke; as RFC 7009 asks, revoking a token
            // the server does not know succeeds all the same.
            return .empty(status: 204)
        }
    }

    /// The Frontend API's OAuth endpoints an application's document lists.
    static func oauthEndpoints(issuer: String) -> [String: JSONValue] {
        [
            "authorize_url": .string(issuer + "/oauth/authorize"),
            "token_fetch_url": .string(issuer + "/oauth/token"),
            "user_info_url": .string(issuer + "/oauth/userinfo"),
            "discovery_url": .string(issuer + "/.well-known/openid-configuration"),
            "token_introspection_url": .string(issuer + "/oauth/token_info"),
        ]
    }

    static func newOAuthClientSecret() -> String { EmulatorIDs.random(length: 32) }

    /// The document with `client_secret` (the answers of create and rotate only).
    static func withClientSecret(_ doc: JSONValue, _ secret: String) -> JSONValue {
        var fields = doc.objectMembers ?? [:]
        fields["client_secret"] = .string(secret)
        return .object(fields)
    }

    /// A name that is not blank and at most 256 characters.
    static func oauthApplicationName(_ name: String) throws -> String {
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw EmulatorError.missing("name") }
        guard name.count <= 256 else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "name must be at most 256 characters long", meta: ["param_name": "name"]
            )
        }
        return name
    }

    /// The scopes, normalized to single spaces without repeats; `nil` when not sent (or blank). Unknown scopes are
    /// refused with a 422 naming `scopes`.
    static func oauthScopes(_ text: String?) throws -> String? {
        guard let text else { return nil }
        let requested = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !requested.isEmpty else { return nil }
        let unknown = requested.filter { !oauthApplicationScopes.contains($0) }
        guard unknown.isEmpty else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "scopes may only include \(oauthApplicationScopes.sorted().joined(separator: ", ")); \(unknown.joined(separator: " ").prefix(200)) is not one of them",
                meta: ["param_name": "scopes"]
            )
        }
        var seen: Set<String> = []
        return requested.filter { seen.insert($0).inserted }.joined(separator: " ")
    }

    /// The redirect URIs from `redirect_uris`, or from the deprecated `callback_url` (one URI); `nil` when neither
    /// is sent. Each must be an absolute URL (a custom scheme such as `myapp://callback` is fine).
    static func oauthRedirectURIs(_ body: BodyReader) throws -> [String]? {
        if let value = body.object["redirect_uris"], value != .null {
            let uris = try body.strings("redirect_uris")
            for uri in uris { try checkRedirectURI(uri, parameter: "redirect_uris") }
            return uris
        }
        if let callback = try body.string("callback_url") {
            if callback.isEmpty { return [] }
            try checkRedirectURI(callback, parameter: "callback_url")
            return [callback]
        }
        return nil
    }

    static func checkRedirectURI(_ uri: String, parameter: String) throws {
        let problem = EmulatorError.invalid(parameter, "must hold absolute URLs such as https://example.com/oauth/callback")
        guard uri.count <= 1024, !uri.contains(where: { $0.isWhitespace }), let url = URL(string: uri),
            let scheme = url.scheme?.lowercased(), !scheme.isEmpty
        else { throw problem }
        guard !["javascript", "data", "vbscript", "file"].contains(scheme) else { throw problem }
        if scheme == "http" || scheme == "https", url.host?.isEmpty ?? true { throw problem }
    }

    /// An upload needs a file: a non-empty body (for `multipart/form-data`, one with a `file` part) of at most 10 MB.
    static func checkLogoUpload(_ request: EmulatorRequest) throws {
        let missing = EmulatorError(
            status: 400, code: "form_param_missing", message: "is missing", longMessage: "file must be included.",
            meta: ["param_name": "file"]
        )
        guard !request.body.isEmpty else { throw missing }
        guard request.body.count <= 10 * 1024 * 1024 else {
            throw EmulatorError(
                status: 413, code: "request_body_too_large", message: "The uploaded file is too large",
                longMessage: "The image must be at most 10 MB."
            )
        }
        if let type = request.contentType?.lowercased(), type.hasPrefix("multipart/form-data"),
            request.body.range(of: Data("name=\"file\"".utf8)) == nil
        {
            throw missing
        }
    }
}
