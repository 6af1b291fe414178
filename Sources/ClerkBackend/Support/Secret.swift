/// A secret string (secret key, machine secret key, webhook signing secret) that never shows itself.
///
/// `description`, `debugDescription`, string interpolation, `dump` and `Mirror` all print a masked form
/// (`sk_test_…(redacted)`), so the secret cannot leak into logs or error messages by accident. Read the value
/// with ``revealed`` only where it is actually sent.
public struct Secret: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    private let value: String

    /// Wraps a secret; only ``revealed`` reads it back.
    public init(_ value: String) { self.value = value }
    /// A secret written as a literal (tests and examples; never commit a real key).
    public init(stringLiteral value: String) { self.value = value }

    /// The secret itself.
    public var revealed: String { value }

    /// Whether the secret is empty.
    public var isEmpty: Bool { value.isEmpty }

    /// A masked form: the key's prefix (`sk_test_`, `whsec_`) and nothing else.
    public var description: String {
        for prefix in ["sk_live_", "sk_test_", "whsec_", "ak_", "mt_"] where value.hasPrefix(prefix) {
            return "\(prefix)…(redacted)"
        }
        return "(redacted)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["secret": description], displayStyle: .struct) }
}
