/// The members of a model's JSON object, as the generated `init(from:)` of every Backend API model reads them:
/// straight from the parsed bytes when ``ClerkJSONDecoder``'s fast path is decoding, otherwise through the decoder's
/// keyed container, with exactly the calls a synthesized `init(from:)` makes (`decode` for a non-optional property,
/// `decodeIfPresent` for an optional one), so `JSONDecoder` and every other decoder see no difference.
///
/// The fast path is what makes the difference: the model's own code calls these methods with concrete types and
/// keys, so they are specialised at the call site, and no keyed-container box or existential stands between the
/// model and the tape.
struct ModelFields<Key: CodingKey> {
    // Two optionals rather than an enum with two payloads: the layout stays simple for the specialised code.
    private let tape: JSONTape?
    private let object: Int
    private let container: KeyedDecodingContainer<Key>?

    /// The fields of the object `decoder` is at.
    init(_ decoder: any Decoder) throws {
        if let tapeDecoder = decoder as? TapeDecoder {
            try tapeDecoder.tape.beginObject(tapeDecoder.node)
            tape = tapeDecoder.tape
            object = tapeDecoder.node
            container = nil
        } else {
            tape = nil
            object = 0
            container = try decoder.container(keyedBy: Key.self)
        }
    }

    /// The fields of an object of the tape (a model decoding a member that is itself a model).
    init(tape: JSONTape, object: Int) throws {
        try tape.beginObject(object)
        self.tape = tape
        self.object = object
        container = nil
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
    /// An array node's elements as models.
    func decodeModels<Element: TapeModel>(_ node: Int, of type: Element.Type) throws -> [Element] {
        try elements(of: node) { try Element(tape: self, object: $0) }
    }
}
