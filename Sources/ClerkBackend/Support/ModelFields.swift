/// The members of a model's JSON object, as the generated `init(from:)` of every Backend API model reads them:
/// straight from the parsed bytes when ``ClerkJSONDecoder``'s fast path is decoding, otherwise through the decoder's
/// keyed container, with exactly the calls a synthesized `init(from:)` makes (`decode` for a non-optional property,
/// `decodeIfPresent` for an optional one), so `JSONDecoder` and every other decoder see no difference.
///
/// The fast path is what makes the difference: the model's own code calls these methods with concrete types and
/// keys, so they are specialised at the call site, and no keyed-container box or existential stands between the
/// model and the tape.
struct ModelFields<Key: CodingKey> {
    // Two optionals rather than an enum with two payloads: the layout stays simple for the specialised code. The
    // keyed container sits in a box of ours: the standard library's `KeyedDecodingContainer` has an opaque layout
    // outside it, so holding one directly would make every copy and destruction of these fields (on the fast path
    // too) look up generic metadata at run time.
    private let tape: JSONTape?
    private let object: Int
    private let box: ContainerBox?

    private final class ContainerBox {
        let container: KeyedDecodingContainer<Key>
        init(_ container: KeyedDecodingContainer<Key>) { self.container = container }
    }

    private var container: KeyedDecodingContainer<Key>? { box?.container }

    /// The fields of the object `decoder` is at.
    init(_ decoder: any Decoder) throws {
        if let tapeDecoder = decoder as? TapeDecoder {
            try tapeDecoder.tape.beginObject(tapeDecoder.node)
            tape = tapeDecoder.tape
            object = tapeDecoder.node
            box = nil
        } else {
            tape = nil
            object = 0
            box = ContainerBox(try decoder.container(keyedBy: Key.self))
        }
    }

    /// The fields of an object of the tape (a model decoding a member that is itself a model).
    init(tape: JSONTape, object: Int) throws {
        try tape.beginObject(object)
        self.tape = tape
        self.object = object
        box = nil
    }

    /// A required member (missing, or of the wrong type: the decoder's error).
    @inline(__always)
    func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue) else { throw TapeDecodingFailure() }
            return try tape.decode(node, as: T.self)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decode(T.self, forKey: key)
    }

    /// An optional member: `nil` when absent or `null`.
    @inline(__always)
    func decodeIfPresent<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue), !tape.decodeNil(node) else { return nil }
            return try tape.decode(node, as: T.self)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decodeIfPresent(T.self, forKey: key)
    }

    // Lists and open enums, chosen by the model's code at compile time: their elements and strings decode with no
    // cast and no generic lookup at run time.

    /// A required list.
    @inline(__always)
    func decode<Element: Decodable>(_ type: [Element].Type, _ key: Key) throws -> [Element] {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue) else { throw TapeDecodingFailure() }
            return try tape.decodeArray(node, of: Element.self)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decode([Element].self, forKey: key)
    }

    /// An optional list: `nil` when absent or `null`.
    @inline(__always)
    func decodeIfPresent<Element: Decodable>(_ type: [Element].Type, _ key: Key) throws -> [Element]? {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue), !tape.decodeNil(node) else { return nil }
            return try tape.decodeArray(node, of: Element.self)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decodeIfPresent([Element].self, forKey: key)
    }

    /// A required open enum: any string.
    @inline(__always)
    func decode<Value: OpenStringEnum>(_ type: Value.Type, _ key: Key) throws -> Value {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue) else { throw TapeDecodingFailure() }
            return Value(rawValue: try tape.decodeString(node))
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decode(Value.self, forKey: key)
    }

    /// An optional open enum: `nil` when absent or `null`.
    @inline(__always)
    func decodeIfPresent<Value: OpenStringEnum>(_ type: Value.Type, _ key: Key) throws -> Value? {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue), !tape.decodeNil(node) else { return nil }
            return Value(rawValue: try tape.decodeString(node))
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decodeIfPresent(Value.self, forKey: key)
    }

    // Members that are models themselves: built from the tape directly, with no decoder in between.

    /// A required model.
    @inline(__always)
    func decode<Value: TapeModel>(_ type: Value.Type, _ key: Key) throws -> Value {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue) else { throw TapeDecodingFailure() }
            return try Value(tape: tape, object: node)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decode(Value.self, forKey: key)
    }

    /// An optional model: `nil` when absent or `null`.
    @inline(__always)
    func decodeIfPresent<Value: TapeModel>(_ type: Value.Type, _ key: Key) throws -> Value? {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue), !tape.decodeNil(node) else { return nil }
            return try Value(tape: tape, object: node)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decodeIfPresent(Value.self, forKey: key)
    }

    /// A required list of models.
    @inline(__always)
    func decode<Element: TapeModel>(_ type: [Element].Type, _ key: Key) throws -> [Element] {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue) else { throw TapeDecodingFailure() }
            return try tape.decodeModels(node, of: Element.self)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decode([Element].self, forKey: key)
    }

    /// An optional list of models: `nil` when absent or `null`.
    @inline(__always)
    func decodeIfPresent<Element: TapeModel>(_ type: [Element].Type, _ key: Key) throws -> [Element]? {
        if let tape {
            guard let node = tape.member(of: object, named: key.stringValue), !tape.decodeNil(node) else { return nil }
            return try tape.decodeModels(node, of: Element.self)
        }
        guard let container else { throw TapeDecodingFailure() }
        return try container.decodeIfPresent([Element].self, forKey: key)
    }
}

/// A generated model that can be built straight from an object of the tape (its `init(from:)` does the same through
/// ``ModelFields``).
protocol TapeModel: Decodable {
    init(tape: JSONTape, object: Int) throws
}

extension JSONTape {
    /// The value of a union's discriminating member (`object`, `type`…): the member's string when the node is an
    /// object with that member as a string, otherwise `nil`, as `try? container.decodeIfPresent(String.self, forKey:)`
    /// answers.
    func discriminator(of node: Int, named name: String) -> String? {
        guard (try? beginObject(node)) != nil, let member = member(of: node, named: name) else { return nil }
        return try? decodeString(member)
    }

    /// One variant of a union: a model straight from the tape.
    @inline(__always)
    func decodeVariant<Value: TapeModel>(_ node: Int, as type: Value.Type) throws -> Value {
        try Value(tape: self, object: node)
    }

    /// One variant of a union that is not a model of its own (a type alias of `JSONValue`, for instance).
    @inline(__always)
    func decodeVariant<Value: Decodable>(_ node: Int, as type: Value.Type) throws -> Value {
        try decode(node, as: Value.self)
    }

    /// An array node's elements as models.
    func decodeModels<Element: TapeModel>(_ node: Int, of type: Element.Type) throws -> [Element] {
        try elements(of: node) { try Element(tape: self, object: $0) }
    }
}
