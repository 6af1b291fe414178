// A strict "encoder" for the JSON differential target: it turns any Encodable into a tree that keeps everything two
// decoded values could differ in. JSONEncoder is too forgiving for this: it writes Int64 1 and Double 1.0 both as
// `1`, and canonically equivalent strings as whatever bytes they hold, so a sorted-keys re-encode can hide an
// int/double swap. Here integers, unsigned integers and doubles (by bit pattern, so -0.0 and 0.0 differ) are
// distinct, strings are compared as UTF-8 bytes, and object members are sorted by the bytes of their names.

final class SnapNode {
    enum Tag: Equatable { case unset, null, bool, int, uint, double, string, array, object }

    var tag = Tag.unset
    var bool = false
    var int: Int64 = 0
    var uint: UInt64 = 0
    var double: Double = 0
    var string = ""
    var elements: [SnapNode] = []
    var members: [(name: String, value: SnapNode)] = []

    static func of<T: Encodable>(_ value: T) throws -> SnapNode {
        let root = SnapNode()
        try value.encode(to: SnapEncoder(node: root))
        return root
    }

    /// Members sorted by the UTF-8 bytes of their names (not by `String` order, which ignores normalisation).
    var sortedMembers: [(name: String, value: SnapNode)] {
        members.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// A readable rendering, for crash messages.
    func render(limit: Int = 1500) -> String {
        var out = ""
        render(into: &out, limit: limit)
        return out.count > limit ? String(out.prefix(limit)) + "…" : out
    }

    private func render(into out: inout String, limit: Int) {
        guard out.utf8.count <= limit else { return }
        switch tag {
        case .unset: out += "<unset>"
        case .null: out += "null"
        case .bool: out += bool ? "true" : "false"
        case .int: out += "int(\(int))"
        case .uint: out += "uint(\(uint))"
        case .double: out += "double(\(double) bits=0x\(String(double.bitPattern, radix: 16)))"
        case .string: out += SnapNode.quote(string)
        case .array:
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.render(into: &out, limit: limit)
            }
            out += "]"
        case .object:
            out += "{"
            for (index, member) in sortedMembers.enumerated() {
                if index > 0 { out += "," }
                out += SnapNode.quote(member.name) + ":"
                member.value.render(into: &out, limit: limit)
            }
            out += "}"
        }
    }

    /// A string with every byte outside printable ASCII shown as \xHH, so that differences in normalisation or
    /// invisible characters show up in the report.
    static func quote(_ string: String) -> String { quote(bytes: string.utf8) }

    static func quote(bytes: some Sequence<UInt8>) -> String {
        var out = "\""
        for byte in bytes {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out += "\\" + String(Unicode.Scalar(byte))
            } else if byte >= 0x20 && byte < 0x7F {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out + "\""
    }
}

struct SnapEncoder: Encoder {
    let node: SnapNode
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.tag == .unset { node.tag = .object }
        return KeyedEncodingContainer(SnapKeyed<Key>(node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.tag == .unset { node.tag = .array }
        return SnapUnkeyed(node: node)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SnapSingle(node: node) }
}

/// Stores one scalar or nested value into a node.
private func store<T: Encodable>(_ value: T, into node: SnapNode) throws {
    switch value {
    case let v as Bool: node.tag = .bool; node.bool = v
    case let v as String: node.tag = .string; node.string = v
    case let v as Double: node.tag = .double; node.double = v
    case let v as Float: node.tag = .double; node.double = Double(v)
    case let v as Int: node.tag = .int; node.int = Int64(v)
    case let v as Int8: node.tag = .int; node.int = Int64(v)
    case let v as Int16: node.tag = .int; node.int = Int64(v)
    case let v as Int32: node.tag = .int; node.int = Int64(v)
    case let v as Int64: node.tag = .int; node.int = v
    case let v as UInt: node.tag = .uint; node.uint = UInt64(v)
    case let v as UInt8: node.tag = .uint; node.uint = UInt64(v)
    case let v as UInt16: node.tag = .uint; node.uint = UInt64(v)
    case let v as UInt32: node.tag = .uint; node.uint = UInt64(v)
    case let v as UInt64: node.tag = .uint; node.uint = v
    default: try value.encode(to: SnapEncoder(node: node))
    }
}

struct SnapKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: SnapNode
    var codingPath: [any CodingKey] { [] }

    private func child(_ key: Key) -> SnapNode {
        let child = SnapNode()
        node.members.append((key.stringValue, child))
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).tag = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: String, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try store(value, into: child(key)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try store(value, into: child(key)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        SnapEncoder(node: child(key)).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        SnapEncoder(node: child(key)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { SnapEncoder(node: node) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SnapEncoder(node: child(key)) }
}

struct SnapUnkeyed: UnkeyedEncodingContainer {
    let node: SnapNode
    var codingPath: [any CodingKey] { [] }
    var count: Int { node.elements.count }

    private func child() -> SnapNode {
        let child = SnapNode()
        node.elements.append(child)
        return child
    }

    mutating func encodeNil() throws { child().tag = .null }
    mutating func encode(_ value: Bool) throws { try store(value, into: child()) }
    mutating func encode(_ value: String) throws { try store(value, into: child()) }
    mutating func encode(_ value: Double) throws { try store(value, into: child()) }
    mutating func encode(_ value: Float) throws { try store(value, into: child()) }
    mutating func encode(_ value: Int) throws { try store(value, into: child()) }
    mutating func encode(_ value: Int8) throws { try store(value, into: child()) }
    mutating func encode(_ value: Int16) throws { try store(value, into: child()) }
    mutating func encode(_ value: Int32) throws { try store(value, into: child()) }
    mutating func encode(_ value: Int64) throws { try store(value, into: child()) }
    mutating func encode(_ value: UInt) throws { try store(value, into: child()) }
    mutating func encode(_ value: UInt8) throws { try store(value, into: child()) }
    mutating func encode(_ value: UInt16) throws { try store(value, into: child()) }
    mutating func encode(_ value: UInt32) throws { try store(value, into: child()) }
    mutating func encode(_ value: UInt64) throws { try store(value, into: child()) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, into: child()) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        SnapEncoder(node: child()).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { SnapEncoder(node: child()).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { SnapEncoder(node: child()) }
}

struct SnapSingle: SingleValueEncodingContainer {
    let node: SnapNode
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { node.tag = .null }
    mutating func encode(_ value: Bool) throws { try store(value, into: node) }
    mutating func encode(_ value: String) throws { try store(value, into: node) }
    mutating func encode(_ value: Double) throws { try store(value, into: node) }
    mutating func encode(_ value: Float) throws { try store(value, into: node) }
    mutating func encode(_ value: Int) throws { try store(value, into: node) }
    mutating func encode(_ value: Int8) throws { try store(value, into: node) }
    mutating func encode(_ value: Int16) throws { try store(value, into: node) }
    mutating func encode(_ value: Int32) throws { try store(value, into: node) }
    mutating func encode(_ value: Int64) throws { try store(value, into: node) }
    mutating func encode(_ value: UInt) throws { try store(value, into: node) }
    mutating func encode(_ value: UInt8) throws { try store(value, into: node) }
    mutating func encode(_ value: UInt16) throws { try store(value, into: node) }
    mutating func encode(_ value: UInt32) throws { try store(value, into: node) }
    mutating func encode(_ value: UInt64) throws { try store(value, into: node) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, into: node) }
}
