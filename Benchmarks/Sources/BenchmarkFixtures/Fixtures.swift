import ClerkBackend
import ClerkTesting
import Crypto
import Foundation
import _CryptoExtras

// Fixtures shared by the benchmarks and by `clerk-profile` (the callgrind driver): the same bytes in both.

/// Shared fixtures, built once.
public enum Fixture {
    public static let now = Date()
    public static let issuer: TestTokenIssuer = try! TestTokenIssuer(kid: "ins_bench")
    public static let publishableKey = "pk_live_" + Data("clerk.example.test$".utf8).base64EncodedString()

    /// A realistic Clerk session token: v2 claims with an organization, features and plans, ~900 bytes.
    public static let token: String = try! issuer.sessionToken(
        userID: "user_2NNEqL2nrIRdJ194ndJqAHwEfxC", sessionID: "sess_2NNEqV7H4M9yKHnMB3v7lJHhMFE", now: now,
        lifetime: 3600, authorizedParty: "https://app.example.test",
        extraClaims: [
            "v": 2, "fva": [3, -1], "sts": "active",
            "fea": "o:reservations,u:dashboard,uo:support-chat", "pla": "u:free_user,o:pro_org",
            "o": ["id": "org_2NNEqXLCIbY2yRMN5c6ZyAkXnI6", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3,1"],
        ]
    )

    public static let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    public static let signingInput = Data((parts[0] + "." + parts[1]).utf8)
    public static let signature: _RSA.Signing.RSASignature = {
        var text = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return _RSA.Signing.RSASignature(rawRepresentation: Data(base64Encoded: text)!)
    }()
    public static let publicKey = try! _RSA.Signing.PublicKey(pemRepresentation: issuer.publicKeyPEM)

    public static let client: ClerkClient = try! ClerkClient(
        options: ClerkOptions(
            secretKey: "sk_live_bench-not-a-real-key", jwtKey: issuer.publicKeyPEM, publishableKey: publishableKey,
            authorizedParties: ["https://app.example.test"]
        )
    )

    public static let headerRequest = ClerkRequest(
        method: .get, url: "https://app.example.test/api/me",
        headers: [("Authorization", "Bearer \(token)"), ("Accept", "application/json"), ("User-Agent", "bench")]
    )

    public static let cookieRequest: ClerkRequest = {
        var cookies = (0..<10).map { "pref_\($0)=value-\($0)-\(String(repeating: "x", count: 20))" }
        cookies.insert("__session=\(token)", at: 4)
        cookies.insert("__client_uat=\(Int(now.timeIntervalSince1970) - 60)", at: 7)
        return ClerkRequest(
            method: .get, url: "https://app.example.test/dashboard",
            headers: [
                ("Cookie", cookies.joined(separator: "; ")), ("Sec-Fetch-Dest", "document"),
                ("Accept", "text/html,application/xhtml+xml"), ("User-Agent", "Mozilla/5.0 bench"),
            ]
        )
    }()

    // Webhooks: a 2 KB user.updated event.
    public static let webhookSecret = "whsec_" + Data((0..<24).map { UInt8($0 * 7 % 256) }).base64EncodedString()
    public static let webhookBody: Data = {
        var user = try! JSONDecoder().decode(JSONValue.self, from: Data(userJSON.utf8))
        if case .object(var members) = user {
            members["public_metadata"] = ["notes": .string(String(repeating: "n", count: 200))]
            user = .object(members)
        }
        let event: JSONValue = ["type": "user.updated", "object": "event", "data": user, "timestamp": 1_764_432_000]
        // Member names in alphabetical order, as Clerk's webhook payloads have them (and the same order in every
        // run: a dictionary's own order changes from one process to the next).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var data = try! encoder.encode(event)
        if data.count < 2048 {
            // Pad with whitespace inside the JSON to reach exactly 2 KB.
            data.insert(contentsOf: Array(repeating: UInt8(ascii: " "), count: 2048 - data.count), at: 1)
        }
        return data
    }()
    public static let verifier = try! WebhookVerifier(signingSecret: Secret(webhookSecret))
    public static let webhookHeaders: [String: String] = [
        "svix-id": "msg_2bench", "svix-timestamp": String(Int(now.timeIntervalSince1970)),
        "svix-signature": verifier.sign(messageID: "msg_2bench", timestamp: Int64(now.timeIntervalSince1970), body: webhookBody),
    ]
    public static let hmacKey = SymmetricKey(data: Data(base64Encoded: String(webhookSecret.dropFirst(6)))!)
    public static let hmacInput = Data("msg_2bench.\(Int(now.timeIntervalSince1970)).".utf8) + webhookBody

    // A 500-user list page.
    public static let userJSON = """
        {"id":"user_2NNEqL2nrIRdJ194ndJqAHwEfxC","object":"user","external_id":"ext-42","primary_email_address_id":"idn_1",
        "primary_phone_number_id":"idn_2","primary_web3_wallet_id":null,"username":"ada","first_name":"Ada","last_name":"Lovelace",
        "locale":"en-GB","image_url":"https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9","has_image":false,
        "public_metadata":{"role":"admin","plan":{"tier":3,"seats":[1,2]}},"private_metadata":{"stripe":"cus_123"},"unsafe_metadata":{},
        "email_addresses":[{"id":"idn_1","object":"email_address","email_address":"ada@example.com","reserved":false,
        "verification":{"object":"verification_otp","status":"verified","strategy":"email_code","attempts":1,"expire_at":1700000600000},
        "linked_to":[{"type":"oauth_google","id":"idn_3"}],"created_at":1700000000000,"updated_at":1700000000000}],
        "phone_numbers":[{"id":"idn_2","object":"phone_number","phone_number":"+15555550100","reserved_for_second_factor":true,
        "default_second_factor":true,"reserved":false,"verification":{"object":"verification_admin","status":"verified","strategy":"admin",
        "attempts":null,"expire_at":null},"linked_to":[],"backup_codes":null,"created_at":1700000000000,"updated_at":1700000000000}],
        "web3_wallets":[],"passkeys":[],"password_enabled":true,"two_factor_enabled":true,"totp_enabled":false,"backup_code_enabled":false,
        "mfa_enabled_at":1700000100000,"mfa_disabled_at":null,"password_last_updated_at":1700000000000,
        "external_accounts":[{"object":"external_account","id":"eac_1","provider":"oauth_google","identification_id":"idn_3",
        "provider_user_id":"113456789012345678901","approved_scopes":"email profile openid","email_address":"ada@example.com",
        "email_address_verified":true,"first_name":"Ada","last_name":"Lovelace","image_url":"https://lh3.googleusercontent.com/a/xyz",
        "username":null,"phone_number":null,"public_metadata":{},"label":null,"created_at":1700000000000,"updated_at":1700000000000,
        "verification":{"object":"verification_oauth","status":"verified","strategy":"oauth_google","expire_at":1700000600000,"attempts":null}}],
        "saml_accounts":[],"enterprise_accounts":[],"last_sign_in_at":1700000200000,"banned":false,"locked":false,
        "lockout_expires_in_seconds":null,"verification_attempts_remaining":100,"updated_at":1700000300000,"created_at":1700000000000,
        "delete_self_enabled":true,"create_organization_enabled":true,"create_organizations_limit":null,"last_active_at":1700000000000,
        "legal_accepted_at":null}
        """
    public static let userPage = Data(("[" + Array(repeating: userJSON, count: 500).joined(separator: ",") + "]").utf8)
}

