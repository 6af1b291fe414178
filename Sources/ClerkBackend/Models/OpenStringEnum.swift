/// A string-valued set of constants that Clerk may extend.
///
/// Types conforming to this protocol are structs with `static let` members instead of Swift enums, so a value
/// this SDK does not know yet decodes fine (and round-trips unchanged) instead of failing the whole response.
public protocol OpenStringEnum: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible where RawValue == String
{
    /// Wraps any string, known to this SDK or not.
    init(rawValue: String)
}

extension OpenStringEnum {
    /// A value written as a string literal: `"admin"` is `init(rawValue: "admin")`.
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// Decodes a JSON string; any string is accepted, so a value Clerk adds later never fails a decode.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the raw string, unchanged (an unknown value round-trips as it came).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The raw string.
    public var description: String { rawValue }
}
