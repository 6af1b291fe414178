#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Removes secrets from text that may end up in an error, a log line or a description.
enum Redaction {
    static let placeholder = "[REDACTED]"
    static let maxBodyCharacters = 16 * 1024

    /// JSON member names whose values are secrets or bearer credentials.
    static let sensitiveKeys: Set<String> = [
        "token", "jwt", "secret", "client_secret", "secret_key", "api_key", "password", "password_digest",
        "totp_secret", "backup_codes", "session_token", "refresh_token", "access_token", "id_token",
        "private_key", "signing_secret", "cookies", "authorization",
    ]

    /// Redacts a response body: JSON is parsed and every sensitive member replaced; other text has key- and
    /// token-shaped substrings masked. The result is truncated.
    static func redactBody(_ body: Data) -> String {
        guard !body.isEmpty else { return "" }
        if let value = try? JSONDecoder().decode(JSONValue.self, from: body) {
            let redacted = redactJSON(value)
            if let data = try? JSONEncoder().encode(redacted), let text = String(data: data, encoding: .utf8) {
                return truncate(text)
            }
        }
        let text = String(decoding: body.prefix(maxBodyCharacters * 4), as: UTF8.self)
        return truncate(redactText(text))
    }

    static func redactJSON(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (key, member) in members {
                let lowered = key.lowercased()
                if sensitiveKeys.contains(lowered) || lowered.hasSuffix("_secret") || lowered.hasSuffix("_token") {
                    result[key] = member.isNull ? .null : .string(placeholder)
                } else {
                    result[key] = redactJSON(member)
                }
            }
            return .object(result)
        case .array(let elements):
            return .array(elements.map(redactJSON))
        case .string(let text):
            return .string(redactText(text))
        default:
            return value
        }
    }

    /// An API error entry with key- and token-shaped text masked in its message, long message and meta.
    static func redactError(_ error: ClerkAPIError) -> ClerkAPIError {
        var copy = error
        copy.message = redactText(error.message)
        copy.longMessage = error.longMessage.map(redactText)
        if let meta = error.meta, case .object(let redacted) = redactJSON(.object(meta)) { copy.meta = redacted }
        return copy
    }

    /// Masks substrings that look like Clerk keys (`sk_…`, `whsec_…`, `ak_…`, `mt_…`, `oat_…`) or JWTs.
    static func redactText(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var word = ""
        func flush() {
            output += looksSecret(word) ? placeholder : word
            word = ""
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "_" || character == "-" || character == "."
                || character == "+" || character == "/" || character == "="
            {
                word.append(character)
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        return output
    }

    private static let secretPrefixes = ["sk_live_", "sk_test_", "whsec_", "ak_", "mt_", "oat_", "rk_live_", "rk_test_"]

    private static func looksSecret(_ word: String) -> Bool {
        if word.count < 12 { return false }
        for prefix in secretPrefixes where word.hasPrefix(prefix) { return true }
        if word.hasPrefix("eyJ"), word.split(separator: ".", omittingEmptySubsequences: false).count >= 3 { return true }
        return false
    }

    static func truncate(_ text: String) -> String {
        if text.count <= maxBodyCharacters { return text }
        return String(text.prefix(maxBodyCharacters)) + "…(truncated)"
    }
}
