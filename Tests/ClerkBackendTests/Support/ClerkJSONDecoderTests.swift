@testable import ClerkBackend
import HTTPTypes
import Foundation
import Testing

@Suite("ClerkJSONDecoder: the fast path decodes what JSONDecoder decodes, the same way")
struct ClerkJSONDecoderTests {
    /// Decodes with the tape alone (no fallback); `nil` when the fast path gives up.
    static func fastOnly<T: Decodable>(_ type: T.Type, _ data: Data) -> T? {
        data.withUnsafeBytes { raw -> T? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress, !raw.isEmpty,
                let tape = JSONTape(UnsafeBufferPointer(start: base, count: raw.count))
            else { return nil }
            return ClerkJSONDecoder.decodeFast(T.self, tape: tape)
        }
    }

    /// Both decoders' results, re-encoded with sorted keys (so they compare as bytes); `fast` is nil on a give-up.
    static func bothEncoded<T: Codable>(_ type: T.Type, _ data: Data) throws -> (fast: Data?, foundation: Data) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let foundation = try encoder.encode(try JSONDecoder().decode(T.self, from: data))
        let fast = try fastOnly(T.self, data).map { try encoder.encode($0) }
        return (fast, foundation)
    }

    static func opened<T: Codable>(_ type: T.Type, _ data: Data) throws -> (fast: Data?, foundation: Data) {
        try bothEncoded(T.self, data)
    }

    @Test("Every operation's full response fixture takes the fast path and decodes as with JSONDecoder")
    func operationFixtures() throws {
        let root = try JSONDecoder().decode([String: JSONValue].self, from: Fixtures.data("operation-fixtures.json"))
        var checked = 0
        for (operation, fixture) in root.sorted(by: { $0.key < $1.key }) {
            guard let response = fixture["response"], response != .null,
                let type = ModelRegistry.operationResponses[operation]
            else { continue }
            let data = try JSONEncoder().encode(response)
            let (fast, foundation) = try Self.opened(type, data)
            #expect(fast != nil, "\(operation): the fast path gave up")
            #expect(fast == foundation, "\(operation): the fast path decoded differently")
            checked += 1
        }
        #expect(checked > 150)
    }

    @Test("Unions read their discriminator from the tape: a known tag, an unknown one, none, or one that is not a string", arguments: [
        #"{"object":"verification_otp","status":"verified","strategy":"email_code","attempts":1,"expire_at":5}"#,
        #"{"object":"verification_admin","status":"verified","strategy":"admin","attempts":null,"expire_at":null}"#,
        #"{"object":"verification_future","status":"verified","extra":[1,{"a":null}]}"#,
        #"{"status":"verified","strategy":"email_code"}"#,
        #"{"object":7,"status":"verified"}"#,
        #"{"object":null,"status":"verified"}"#,
        #""a string where an object belongs""#,
        #"[1,2]"#,
    ])
    func discriminatedUnions(text: String) throws {
        let data = Data(text.utf8)
        let expected = try JSONDecoder().decode(EmailAddress.Verification.self, from: data)
        let fast = try #require(Self.fastOnly(EmailAddress.Verification.self, data), "the fast path gave up")
        #expect(fast == expected)
        let (fastEncoded, foundation) = try Self.bothEncoded(EmailAddress.Verification.self, data)
        #expect(fastEncoded == foundation)
    }

    @Test("A union's variant that does not decode fails as with JSONDecoder (no silent unknown)")
    func discriminatedUnionVariantFailure() throws {
        // A known tag whose required members are missing: JSONDecoder throws, and so does ClerkJSONDecoder.
        let data = Data(#"{"object":"verification_otp"}"#.utf8)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(EmailAddress.Verification.self, from: data) }
        #expect(throws: (any Error).self) { try ClerkJSONDecoder().decode(EmailAddress.Verification.self, from: data) }
    }

    @Test("Numbers, strings with escapes, nulls and absent keys match JSONDecoder")
    func edgeValues() throws {
        struct Sample: Codable, Equatable {
            var a: Int64
            var b: Double
            var c: String
            var d: String?
            var e: Bool?
            var f: [JSONValue]
            var g: JSONValue?
            var h: Int?
        }
        let text = #"{"a":-9223372036854775808,"b":1e-3,"c":"é\u00e9\ud83d\ude00\"\\\/\n","d":null,"f":[1,25,"x",null,{"k":[true]}],"g":null}"#
        let data = Data(text.utf8)
        let expected = try JSONDecoder().decode(Sample.self, from: data)
        let fast = try #require(Self.fastOnly(Sample.self, data), "the fast path gave up")
        #expect(fast == expected)
        #expect(fast.c == "éé😀\"\\/\n")
        #expect(fast.d == nil && fast.g == nil && fast.h == nil)
    }

    @Test("Integer literals of any size decode into Double fields as JSONDecoder decodes them")
    func integersAsDoubles() throws {
        struct Numbers: Codable, Equatable { var values: [Double] }
        let text = #"{"values":[-9223372036854775808,9223372036854775807,9007199254740993,-1,0,12345678901234567890]}"#
        let data = Data(text.utf8)
        #expect(try ClerkJSONDecoder().decode(Numbers.self, from: data) == JSONDecoder().decode(Numbers.self, from: data))
        let fast = try #require(Self.fastOnly(Numbers.self, Data(#"{"values":[-9223372036854775808,3]}"#.utf8)))
        #expect(fast.values == [-9_223_372_036_854_775_808, 3])
    }

    @Test("Whatever the fast path refuses still decodes, through JSONDecoder", arguments: [
        #"{"id":"a","id":"b"}"#,  // duplicate names: JSONDecoder's choice
        #"{"i\u0064":"a"}"#,  // an escaped name
        #"{"id":"a","n":1.0}"#,  // 1.0 for an Int
        #"{"id":"a","n":99999999999999999999}"#,  // beyond Int64
    ])
    func fallbacks(_ text: String) throws {
        struct Small: Codable, Equatable {
            var id: String
            var n: Double?
        }
        let data = Data(text.utf8)
        let expected = try? JSONDecoder().decode(Small.self, from: data)
        let actual = try? ClerkJSONDecoder().decode(Small.self, from: data)
        #expect(actual == expected)
    }

    // The five differences the differential fuzz target (Fuzz/Targets/FuzzJSONDifferential.swift) found; each of
    // these failed before the fast path learnt to leave such documents to JSONDecoder.

    @Test("JSONValue numbers with a fraction or an exponent are JSONDecoder's reading (1.0 is .int(1))", arguments: [
        #"{"a":1.0,"b":1e2,"c":-0.0,"d":2.5,"e":1.00000000000000000001,"f":9007199254740993.0}"#,
        #"[1E0,0.1e1,-1e18,1e19,99999999999999999999e-2]"#,
        #"{"small":1e-400}"#,
    ])
    func jsonValueNumbers(_ text: String) throws {
        let data = Data(text.utf8)
        #expect(try ClerkJSONDecoder().decode(JSONValue.self, from: data) == JSONDecoder().decode(JSONValue.self, from: data))
    }

    @Test("A type that tries Int64 before Double gets JSONDecoder's reading, at the top level too", arguments: ["1e3", "1.0", "[1e3]", "-0.0"])
    func probingTypes(_ text: String) throws {
        let data = Data(text.utf8)
        #expect(try ClerkJSONDecoder().decode(JSONValue.self, from: data) == JSONDecoder().decode(JSONValue.self, from: data))
    }

    @Test("A UInt64 beyond Int64.max decodes as with JSONDecoder")
    func largeUnsigned() throws {
        struct Sample: Codable, Equatable { var n: UInt64 }
        let data = Data(#"{"n":18446744073709551615}"#.utf8)
        #expect(try ClerkJSONDecoder().decode(Sample.self, from: data) == JSONDecoder().decode(Sample.self, from: data))
    }

    @Test("-0 into a Double is -0.0, as with JSONDecoder")
    func negativeZero() throws {
        struct Sample: Codable { var x: Double }
        let data = Data(#"{"x":-0}"#.utf8)
        #expect(try ClerkJSONDecoder().decode(Sample.self, from: data).x.bitPattern == (-0.0 as Double).bitPattern)
        #expect(try JSONDecoder().decode(Sample.self, from: data).x.bitPattern == (-0.0 as Double).bitPattern)
    }

    @Test("A Double literal that underflows to zero is refused, as JSONDecoder refuses it", arguments: ["1e-400", "2e-324", "-0.1e-330"])
    func underflow(_ literal: String) throws {
        struct Sample: Codable { var x: Double }
        let data = Data(#"{"x":\#(literal)}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Sample.self, from: data) }
        #expect(throws: DecodingError.self) { try ClerkJSONDecoder().decode(Sample.self, from: data) }
        #expect(try ClerkJSONDecoder().decode(Sample.self, from: Data(#"{"x":0e-400}"#.utf8)).x == 0)
    }

    @Test("Members with equal names inside JSONValue objects: JSONDecoder's choice", arguments: [
        #"{"a":1,"a":2}"#,
        #"{"a":1,"a":2}"#,
        "{\"\u{212A}\":1,\"K\":2}",  // KELVIN SIGN, unescaped, is canonically equivalent to K
        "{\"e\u{301}\":1,\"\u{E9}\":2}",  // decomposed and precomposed é
    ])
    func duplicateNames(_ text: String) throws {
        let data = Data(text.utf8)
        let expected = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(try ClerkJSONDecoder().decode(JSONValue.self, from: data) == expected)
        #expect(try ClerkJSONDecoder().decode([String: JSONValue].self, from: data) == JSONDecoder().decode([String: JSONValue].self, from: data))
        struct Kelvin: Codable, Equatable { var K: Int? }
        #expect(try ClerkJSONDecoder().decode(Kelvin.self, from: data) == JSONDecoder().decode(Kelvin.self, from: data))
    }

    /// Twenty optional members: more than the linear-lookup limit, so lookups go through the object's table.
    struct Wide: Codable, Equatable {
        var a0, a1, a2, a3, a4, a5, a6, a7, a8, a9: String?
        var b0, b1, b2, b3, b4, b5, b6, b7, b8, b9: Int?
        var long_member_name_past_sixteen_bytes: String?
        var long_member_name_past_sixteen_bytez: String?
    }

    static func wideJSON(_ names: [String], duplicate: String? = nil) -> Data {
        var members = names.map { name in name.hasPrefix("b") ? #""\#(name)":\#(name.dropFirst())"# : #""\#(name)":"\#(name)""# }
        if let duplicate { members.append(#""\#(duplicate)":"again""#) }
        return Data(("{" + members.joined(separator: ",") + "}").utf8)
    }

    static let wideNames = (0..<10).map { "a\($0)" } + (0..<10).map { "b\($0)" }
        + ["long_member_name_past_sixteen_bytes", "long_member_name_past_sixteen_bytez"]

    @Test("Large objects: members in any order, names that share a prefix and a length, absent members", arguments: [
        "declaration", "reversed", "alphabetical", "shuffled", "sparse",
    ])
    func largeObjects(_ order: String) throws {
        var names = Self.wideNames
        switch order {
        case "reversed": names.reverse()
        case "alphabetical": names.sort()
        case "shuffled":
            var generator = SeededGenerator(seed: 42)
            names.shuffle(using: &generator)
        case "sparse": names = names.enumerated().filter { $0.offset % 3 != 1 }.map(\.element)
        default: break
        }
        let data = Self.wideJSON(names)
        let fast = try #require(Self.fastOnly(Wide.self, data), "the fast path gave up")
        #expect(fast == (try JSONDecoder().decode(Wide.self, from: data)))
        #expect(fast.long_member_name_past_sixteen_bytes == (names.contains("long_member_name_past_sixteen_bytes") ? "long_member_name_past_sixteen_bytes" : nil))
        #expect(fast.long_member_name_past_sixteen_bytez == (names.contains("long_member_name_past_sixteen_bytez") ? "long_member_name_past_sixteen_bytez" : nil))
        // A generated model (its init(from:) reads through ModelFields) with its members reversed.
        let user = Data(try Fixtures.userJSON().utf8)
        let object = try JSONDecoder().decode([String: JSONValue].self, from: user)
        let encoder = JSONEncoder()
        encoder.outputFormatting = order == "alphabetical" ? [.sortedKeys] : []
        let reordered = try encoder.encode(object)
        let (modelFast, modelFoundation) = try Self.bothEncoded(User.self, reordered)
        #expect(modelFast != nil && modelFast == modelFoundation)
    }

    @Test("Large objects with two equal member names go to JSONDecoder, which picks the value", arguments: [
        "a3", "b7", "long_member_name_past_sixteen_bytes",
    ])
    func largeObjectDuplicates(_ duplicate: String) throws {
        let data = Self.wideJSON(Self.wideNames, duplicate: duplicate)
        #expect(Self.fastOnly(Wide.self, data) == nil)
        #expect(Self.fastOnly(JSONValue.self, data) == nil)
        let expected = try? JSONDecoder().decode(Wide.self, from: data)
        let actual = try? ClerkJSONDecoder().decode(Wide.self, from: data)
        #expect(actual == expected)
        #expect(try ClerkJSONDecoder().decode(JSONValue.self, from: data) == JSONDecoder().decode(JSONValue.self, from: data))
    }

    @Test("A member name that is not UTF-8 is refused, as JSONDecoder refuses it")
    func invalidUTF8Name() {
        struct Small: Codable { var id: String }
        let value = Data([UInt8(ascii: "{"), 0x22, 0x97, 0x22, UInt8(ascii: ":"), UInt8(ascii: "2"), UInt8(ascii: "}")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(JSONValue.self, from: value) }
        #expect(throws: DecodingError.self) { try ClerkJSONDecoder().decode(JSONValue.self, from: value) }
        let model = Data(#"{"id":"a","#.utf8) + Data([0x22, 0x97, 0x22]) + Data(#":1}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Small.self, from: model) }
        #expect(throws: DecodingError.self) { try ClerkJSONDecoder().decode(Small.self, from: model) }
    }

    @Test("Invalid JSON is JSONDecoder's error", arguments: [#"{"a":}"#, "", #"{"a":"\x"}"#, "\u{FF}"])
    func invalid(_ text: String) {
        #expect(throws: DecodingError.self) { try ClerkJSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
    }
}
