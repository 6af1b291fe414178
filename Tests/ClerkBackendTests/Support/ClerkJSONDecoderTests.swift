@testable import ClerkBackend
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
            return try? T(from: TapeDecoder(tape: tape, node: 0))
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
        let text = #"{"a":-9223372036854775808,"b":1e-3,"c":"é\u00e9\ud83d\ude00\"\\\/\n","d":null,"f":[1,2.5,"x",null,{"k":[true]}],"g":null}"#
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

    @Test("Invalid JSON is JSONDecoder's error", arguments: [#"{"a":}"#, "", #"{"a":"\x"}"#, "\u{FF}"])
    func invalid(_ text: String) {
        #expect(throws: DecodingError.self) { try ClerkJSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
    }
}
