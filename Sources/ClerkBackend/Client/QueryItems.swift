/// An ordered list of query parameters, encoded the way the Backend API expects.
///
/// Unlike the JS SDK, values such as `false`, `0` and `""` are sent (so `banned=false` reaches the API);
/// only `nil` is left out. Arrays become repeated parameters (`email_address=a&email_address=b`).
public struct QueryItems: Sendable, Hashable {
    /// The parameters as name/value pairs, in the order they were added.
    public private(set) var items: [Item]

    /// One query parameter.
    public struct Item: Sendable, Hashable {
        /// The parameter name.
        public var name: String
        /// The value, not yet percent-encoded.
        public var value: String
        /// A parameter with a name and an unencoded value.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// No parameters.
    public init() { items = [] }

    /// Whether there are no parameters.
    public var isEmpty: Bool { items.isEmpty }

    /// Appends `name=value`, unless `value` is `nil` (an empty string is sent).
    public mutating func append(_ name: String, _ value: String?) {
        if let value { items.append(Item(name: name, value: value)) }
    }
    /// Appends `name=true` or `name=false`, unless `value` is `nil`.
    public mutating func append(_ name: String, _ value: Bool?) {
        if let value { items.append(Item(name: name, value: value ? "true" : "false")) }
    }
    /// Appends the integer in decimal, unless `value` is `nil` (`0` is sent).
    public mutating func append(_ name: String, _ value: Int?) {
        if let value { items.append(Item(name: name, value: String(value))) }
    }
    /// Appends the integer in decimal, unless `value` is `nil` (`0` is sent).
    public mutating func append(_ name: String, _ value: Int64?) {
        if let value { items.append(Item(name: name, value: String(value))) }
    }
    /// Appends the number, without a fraction when it is whole (`10`, not `10.0`), unless `value` is `nil`.
    public mutating func append(_ name: String, _ value: Double?) {
        if let value {
            if value.rounded() == value, abs(value) < 1e15 {
                items.append(Item(name: name, value: String(Int64(value))))
            } else {
                items.append(Item(name: name, value: String(value)))
            }
        }
    }
    /// Appends the raw string of an open enum value, unless `value` is `nil`.
    public mutating func append<V: RawRepresentable>(_ name: String, _ value: V?) where V.RawValue == String {
        if let value { items.append(Item(name: name, value: value.rawValue)) }
    }
    /// Appends one parameter per element (form style, exploded).
    public mutating func append(_ name: String, _ values: [String]?) {
        for value in values ?? [] { items.append(Item(name: name, value: value)) }
    }
    /// Appends one parameter per element (form style, exploded).
    public mutating func append<V: RawRepresentable>(_ name: String, _ values: [V]?) where V.RawValue == String {
        for value in values ?? [] { items.append(Item(name: name, value: value.rawValue)) }
    }
    /// Appends one parameter whose value joins the elements with commas (form style, not exploded).
    public mutating func appendCommaSeparated(_ name: String, _ values: [String]?) {
        if let values { items.append(Item(name: name, value: values.joined(separator: ","))) }
    }
    /// Appends one parameter whose value joins the elements with commas (form style, not exploded).
    public mutating func appendCommaSeparated<V: RawRepresentable>(_ name: String, _ values: [V]?)
    where V.RawValue == String {
        appendCommaSeparated(name, values?.map(\.rawValue))
    }
    /// Appends every parameter of another list.
    public mutating func append(contentsOf other: QueryItems) {
        items.append(contentsOf: other.items)
    }
    /// Removes every parameter with this name.
    public mutating func remove(_ name: String) {
        items.removeAll { $0.name == name }
    }
}

/// A value that knows how to write itself as query parameters.
public protocol QueryEncodable: Sendable {
    /// Writes this value's parameters into `query`.
    func encode(to query: inout QueryItems)
}

extension QueryEncodable {
    /// The parameters of this value.
    public var queryItems: QueryItems {
        var query = QueryItems()
        encode(to: &query)
        return query
    }
}
