import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// Request bodies are checked against the spec's constraints before a handler runs (generated from the spec by
/// `Scripts/generate-emulator-rules.py`), with Clerk's error shape and the member named in `meta.param_name`.
@Suite("Emulator: request bodies validated as the spec states them")
struct EmulatorValidationTests {
    @Test("Lengths, types, enums, ranges, patterns and item types are refused with the member named; nothing is stored")
    func refusals() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["checks@example.com"]))
            let long = String(repeating: "x", count: 256)
            let cases: [(method: String, path: String, body: String, status: Int, code: String, param: String)] = [
                // An API key description of 256 characters (the spec allows 255) was stored and echoed before.
                ("POST", "/v1/api_keys", #"{"name":"Long key","subject":"\#(user.id)","description":"\#(long)"}"#, 400, "form_param_value_invalid", "description"),
                ("POST", "/v1/api_keys", #"{"name":"Bad subject","subject":"user_short"}"#, 400, "form_param_format_invalid", "subject"),
                ("POST", "/v1/api_keys", #"{"subject":"\#(user.id)"}"#, 400, "form_param_missing", "name"),
                ("POST", "/v1/api_keys", #"{"name":"Zero","subject":"\#(user.id)","seconds_until_expiration":0}"#, 400, "form_param_value_invalid", "seconds_until_expiration"),
                ("POST", "/v1/machines", #"{"name":""}"#, 422, "form_param_value_invalid", "name"),
                ("POST", "/v1/machines", #"{"name":"\#(long)"}"#, 422, "form_param_value_invalid", "name"),
                ("POST", "/v1/users", #"{"first_name":7}"#, 422, "form_param_format_invalid", "first_name"),
                ("POST", "/v1/users", #"{"email_address":["a@example.com",3]}"#, 422, "form_param_format_invalid", "email_address"),
                ("POST", "/v1/jwt_templates", #"{"name":"t","claims":{},"lifetime":1.5}"#, 422, "form_param_format_invalid", "lifetime"),
                ("POST", "/v1/jwt_templates", #"{"claims":{}}"#, 422, "form_param_missing", "name"),
                ("POST", "/v1/jwt_templates", #"{"name":null,"claims":{}}"#, 422, "form_param_missing", "name"),
            ]
            for item in cases {
                let answer = try await rawRequest(emulator, item.method, item.path, key: emulator.secretKey, body: item.body)
                let error = answer.json?["errors"]?[0]
                #expect(answer.status == item.status, "\(item.path) \(item.param): \(answer.status)")
                #expect(error?["code"] == .string(item.code), "\(item.path) \(item.param): \(String(describing: error?["code"]))")
                #expect(error?["meta"]?["param_name"] == .string(item.param), "\(item.path) \(item.param)")
                #expect(answer.json?["clerk_trace_id"]?.stringValue != nil)
            }
            // The body is checked whatever its Content-Type says (the handlers read it as JSON all the same): a
            // text/plain body with an over-long description was stored before.
            for contentType in ["text/plain", "application/octet-stream", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let answer = try await rawRequest(
                    emulator, "POST", "/v1/api_keys", key: emulator.secretKey,
                    body: #"{"name":"Typed key","subject":"\#(user.id)","description":"\#(long)"}"#, contentType: contentType
                )
                #expect(answer.status == 400, "\(contentType): \(answer.status)")
                #expect(answer.json?["errors"]?[0]?["meta"]?["param_name"] == "description", "\(contentType)")
            }
            // Nothing was stored by the refused requests.
            #expect(try await clerk.apiKeys.list(GetAPIKeysQuery(subject: user.id)).totalCount == 0)
            #expect(try await clerk.machines.list().totalCount == 0)
            #expect(try await clerk.users.getCount() == 1)
            #expect(try await clerk.jwtTemplates.list().totalCount == 0)
        }
    }

    @Test("Bodies within the constraints pass: the boundary values, integral numbers written with .0, optional nulls")
    func boundaries() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["bounds@example.com"]))
            let longest = String(repeating: "é", count: 255)  // 255 characters, 510 bytes
            let accepted: [(String, String)] = [
                ("/v1/api_keys", #"{"name":"Edge key","subject":"\#(user.id)","description":"\#(longest)","seconds_until_expiration":86400.5}"#),
                ("/v1/machines", #"{"name":"\#(String(repeating: "m", count: 255))"}"#),
                ("/v1/jwt_templates", #"{"name":"dotted","claims":{},"lifetime":60.0,"allowed_clock_skew":null}"#),
                ("/v1/users", #"{"first_name":null,"email_address":["second@example.com"]}"#),
            ]
            for (path, body) in accepted {
                let answer = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: body)
                #expect((200...201).contains(answer.status), "\(path): \(answer.status) \(String(describing: answer.json))")
            }
            let key = try #require(try await clerk.apiKeys.list(GetAPIKeysQuery(subject: user.id)).data.first)
            #expect(key.description?.count == 255)
        }
    }

    @Test("Queries are checked against the spec's parameters: types, booleans, enums, ranges, value counts")
    func queries() async throws {
        try await withEmulator { emulator, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["query@example.com"]))
            let refused: [(path: String, code: String, param: String)] = [
                ("/v1/users?limit=0", "form_param_value_invalid", "limit"),
                ("/v1/users?limit=501", "form_param_value_invalid", "limit"),
                ("/v1/users?limit=ten", "form_param_format_invalid", "limit"),
                ("/v1/users?limit=5&limit=6", "form_param_format_invalid", "limit"),
                ("/v1/users?banned=yes", "form_param_format_invalid", "banned"),
                ("/v1/users?last_active_at_after=soon", "form_param_format_invalid", "last_active_at_after"),
                ("/v1/sessions?status=sleeping", "form_param_value_invalid", "status"),
                ("/v1/invitations?status=lost", "form_param_value_invalid", "status"),
            ]
            for item in refused {
                let answer = try await rawRequest(emulator, "GET", item.path, key: emulator.secretKey)
                let error = answer.json?["errors"]?[0]
                #expect(answer.status == 400, "\(item.path): \(answer.status)")
                #expect(error?["code"] == .string(item.code), "\(item.path): \(String(describing: error?["code"]))")
                #expect(error?["meta"]?["param_name"] == .string(item.param), "\(item.path)")
            }
            for path in ["/v1/users?limit=500", "/v1/users?limit=1.0&banned=false", "/v1/invitations?status=pending", "/v1/users?user_id=a&user_id=b"] {
                #expect(try await rawRequest(emulator, "GET", path, key: emulator.secretKey).status == 200, "\(path)")
            }
        }
    }

    @Test("Path parameters the spec constrains are checked before any lookup: id patterns and enums, 400 with the parameter named")
    func pathParameters() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["path@example.com"]))
            let key = try await clerk.apiKeys.create(CreateAPIKeyBody(name: "ci-key", subject: user.id))
            let refused: [(method: String, path: String, param: String)] = [
                ("GET", "/api_keys/ak_nothex", "apiKeyID"),
                ("GET", "/v1/api_keys/ak_\(String(repeating: "0", count: 31))", "apiKeyID"),
                ("PATCH", "/api_keys/key_\(String(repeating: "a", count: 32))", "apiKeyID"),
                ("DELETE", "/api_keys/ak_\(String(repeating: "g", count: 32))", "apiKeyID"),
                ("GET", "/api_keys/%20ak_\(String(repeating: "a", count: 32))/secret", "apiKeyID"),
                ("POST", "/api_keys/ak_0/revoke", "apiKeyID"),
                ("POST", "/m2m_tokens/mt_x/revoke", "m2m_token_id"),
            ]
            for item in refused {
                let answer = try await rawRequest(emulator, item.method, item.path, key: emulator.secretKey, body: item.method == "GET" || item.method == "DELETE" ? nil : "{}")
                let error = answer.json?["errors"]?[0]
                #expect(answer.status == 400, "\(item.path): \(answer.status)")
                #expect(error?["code"] == "form_param_format_invalid", "\(item.path): \(String(describing: error?["code"]))")
                #expect(error?["meta"]?["param_name"] == .string(item.param), "\(item.path)")
            }
            // A body refused for an operation whose spec documents 400 and no 422 is refused with 400.
            let portal = try await rawRequest(emulator, "POST", "/v1/admin_portal_link_tokens", key: emulator.secretKey, body: #"{"organization_id": 5}"#)
            #expect(portal.status == 400 && portal.json?["errors"]?[0]?["meta"]?["param_name"] == "organization_id")
            // String formats: an absolute URL, an RFC 3339 date and time.
            let task = try await rawRequest(
                emulator, "POST", "/v1/agents/tasks", key: emulator.secretKey,
                body: #"{"on_behalf_of": {"user_id": "\#(user.id)"}, "permissions": "*", "agent_name": "bot", "task_description": "x", "redirect_url": "/relative"}"#
            )
            #expect(task.status == 422 || task.status == 400)
            #expect(task.json?["errors"]?[0]?["code"] == "form_param_format_invalid" && task.json?["errors"]?[0]?["meta"]?["param_name"] == "redirect_url")
            let trial = try await rawRequest(
                emulator, "POST", "/v1/billing/subscription_items/csubi_x/extend_free_trial", key: emulator.secretKey, body: #"{"extend_to": "next tuesday"}"#
            )
            #expect(trial.json?["errors"]?[0]?["code"] == "form_param_format_invalid" && trial.json?["errors"]?[0]?["meta"]?["param_name"] == "extend_to")
            // Members of objects inside the body: an object member, the items of an array member, a body that is an array.
            let nested: [(method: String, path: String, body: String, code: String, param: String)] = [
                ("POST", "/v1/actor_tokens", #"{"user_id": "\#(user.id)", "actor": {"iss": "x"}}"#, "form_param_missing", "actor.sub"),
                ("POST", "/v1/actor_tokens", #"{"user_id": "\#(user.id)", "actor": {"sub": 7}}"#, "form_param_format_invalid", "actor.sub"),
                ("PUT", "/v1/scim_directories/dir_x/group_role_mappings", #"{"mappings": [{"scim_group_id": "g", "role_id": "r"}, {"scim_group_id": "h"}]}"#, "form_param_missing", "mappings[1].role_id"),
                ("PUT", "/v1/scim_directories/dir_x/group_role_mappings", #"{"mappings": ["not an object"]}"#, "form_param_format_invalid", "mappings"),
                ("POST", "/v1/waitlist_entries/bulk", #"[{"email_address": "a@example.com"}, {"notify": true}]"#, "form_param_missing", "email_address"),
                ("POST", "/v1/waitlist_entries/bulk", #"[{"email_address": ["a@example.com"]}]"#, "form_param_format_invalid", "email_address"),
                ("POST", "/v1/waitlist_entries/bulk", #"[{"email_address": "a@example.com"}, 5]"#, "form_param_format_invalid", "items"),
                ("POST", "/v1/waitlist_entries/bulk", #"[{"email_address": "a@example.com"}, {"email_address": "a@"}]"#, "form_param_format_invalid", "email_address"),
            ]
            for item in nested {
                let answer = try await rawRequest(emulator, item.method, item.path, key: emulator.secretKey, body: item.body)
                let error = answer.json?["errors"]?[0]
                #expect(answer.status == 422 || answer.status == 400, "\(item.body): \(answer.status)")
                #expect(error?["code"] == .string(item.code), "\(item.body): \(String(describing: error?["code"]))")
                #expect(error?["meta"]?["param_name"] == .string(item.param), "\(item.body): \(String(describing: error?["meta"]))")
            }
            #expect(try await clerk.waitlistEntries.list().totalCount == 0, "a refused bulk request creates nothing")
            // A refusal answers the one of 400 and 422 the operation documents: a query refused with 422 where the
            // operation documents 422 and not 400, a body refused with 400 where it documents 400 and not 422.
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Refusals", createdBy: user.id))
            let domains = try await rawRequest(emulator, "GET", "/v1/organizations/\(organization.id)/domains?limit=9999", key: emulator.secretKey)
            #expect(domains.status == 422 && domains.json?["errors"]?[0]?["meta"]?["param_name"] == "limit")
            let email = try #require(try await clerk.users.getUser(user.id).emailAddresses.first)
            let attempt = try await rawRequest(
                emulator, "POST", "/v1/email_addresses/\(email.id)/attempt_verification", key: emulator.secretKey, body: #"{"code": "424242"}"#
            )
            #expect(attempt.status == 400 && attempt.json?["errors"]?[0]?["code"] == "form_param_missing")
            // Well-formed ids pass the check: the emulator's own, and unknown ones (404).
            #expect(try await rawRequest(emulator, "GET", "/api_keys/\(key.id)", key: emulator.secretKey).status == 200)
            #expect(try await rawRequest(emulator, "GET", "/api_keys/api_key_\(String(repeating: "A", count: 32))", key: emulator.secretKey).status == 404)
            #expect(try await rawRequest(emulator, "POST", "/m2m_tokens/mt_\(String(repeating: "f", count: 32))/revoke", key: emulator.secretKey, body: "{}").status == 404)
        }
    }
}
