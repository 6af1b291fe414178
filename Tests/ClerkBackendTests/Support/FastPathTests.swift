@testable import ClerkBackend
import ClerkTesting
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing

// The hand-written fast paths of the request hot path, checked against the general code they stand in for.

@Suite("Fast paths: the public URL without URLComponents")
struct SimpleURLTests {
    static let urls: [String] = [
        "https://app.example.test/", "https://app.example.test", "http://app.example.test:8080/a/b?x=1&y=2",
        "HTTPS://App.Example.Test/Path?Q=1", "https://app.example.test:443/x", "http://app.example.test:80/x",
        "https://app.example.test/a%20b?c=%2F#frag", "https://app.example.test/?__clerk_synced=true",
        "https://app.example.test/?__clerk_db_jwt=abc&x=1", "https://app.example.test/?%5F%5Fclerk_synced=true",
        "https://app.example.test/p?__clerk_redirect_url=https%3A%2F%2Fapp.example.test%2Fdash",
        "http://127.0.0.1:3000/health", "https://a-b_c.example.test/~user/(x)*!$'+,;=:@",
        "https://app.example.test/path?q=a+b", "http://localhost:0/", "https://App.example.test:8443/",
    ]
    /// Ports with a leading zero: URLComponents rewrites them, so they take its path.
    static let leadingZeroPorts = ["http://app.example.test:08080/x", "http://app.example.test:080/", "https://app.example.test:0443"]

    @Test("Plain URLs give the same text, origin and Clerk query items as URLComponents", arguments: urls)
    func sameAsURLComponents(_ url: String) throws {
        let simple = try #require(SimpleURL(url))
        var components = try #require(URLComponents(string: url))
        components.scheme = components.scheme?.lowercased()
        #expect(simple.text == components.string)
        #expect(simple.origin == AuthenticateContext.origin(of: components))
        let clerkItems = (components.queryItems ?? []).filter { $0.name.hasPrefix("__clerk") }
        if !clerkItems.isEmpty { #expect(simple.mayHaveClerkParameters) }
    }

    @Test("Anything unusual is left to URLComponents", arguments: [
        "ftp://app.example.test/", "https://user:pw@app.example.test/", "https://[::1]:8080/", "https://bücher.example/",
        "https://app.example.test/a b", "https://app.example.test/%zz", "https://app.example.test:99999/",
        "https://app.example.test:/", "https://app.example.test/#a#b", "https://app.example.test/<script>",
        "https:/app.example.test/", "https://", "app.example.test/path", "https://app.example.test\\evil.test/",
    ] + leadingZeroPorts)
    func fallsBack(_ url: String) {
        #expect(SimpleURL(url) == nil)
    }

    @Test("The context's URL, origin and Clerk query parameters are the same on both paths")
    func contextAgrees() throws {
        let client = try authClient()
        for url in Self.urls + Self.leadingZeroPorts {
            let request = ClerkRequest(method: .get, url: url)
            let fast = try AuthenticateContext(request: request, options: AuthenticateRequestOptions(), client: client)
            // A trusted proxy without forwarded headers takes the URLComponents path and changes nothing.
            let slowRequest = ClerkRequest(method: .get, url: url, remoteAddress: "10.0.0.9")
            let slow = try AuthenticateContext(
                request: slowRequest, options: AuthenticateRequestOptions(trustedProxies: .addresses(["10.0.0.9"])),
                client: client
            )
            #expect(fast.clerkURLString == slow.clerkURLString)
            #expect(fast.origin == slow.origin)
            let names = ["__clerk_synced", "__clerk_db_jwt", "__clerk_redirect_url", "__clerk_handshake"]
            for name in names {
                #expect(fast.clerkQueryItems.first { $0.name == name }?.value == slow.clerkQueryItems.first { $0.name == name }?.value)
            }
        }
    }
}

@Suite("Fast paths: cookies, Authorization, scoped lists")
struct RequestFastPathTests {
    func request(cookies: [String]) -> ClerkRequest {
        ClerkRequest(method: .get, url: "https://app.example.test/", headers: cookies.map { ("Cookie", $0) })
    }

    @Test("A comma belongs to the cookie value (as in the reference's parser)")
    func commaInValue() {
        #expect(request(cookies: ["a=x,y; b=2"]).parseCookies() == ["a": "x,y", "b": "2"])
    }

    @Test("Only Clerk's __ cookies are kept for authentication, with the same values as the full parse")
    func clerkCookiesOnly() {
        let header = "theme=dark; __session=abc.def.ghi; pref=%20x; __client_uat=170; _ga=GA1; __clerk_db_jwt=%7Bx%7D"
        let all = request(cookies: [header]).parseCookies()
        let clerk = request(cookies: [header]).parseClerkCookies()
        #expect(clerk == all.filter { $0.key.hasPrefix("__") })
        #expect(clerk.count == 3)
        #expect(clerk["__clerk_db_jwt"] == "{x}")
    }

    @Test("The Authorization header's token", arguments: [
        ("Bearer abc", "abc"), ("  Bearer   abc  ", "abc"), ("abc", "abc"), ("Basic abc", nil), ("bearer abc", nil),
        ("Bearer ", "Bearer"), ("", nil), ("   ", nil), ("Bearer\tabc", "Bearer\tabc"), ("Bearer a b", "a b"),
    ] as [(String, String?)])
    func tokenInHeader(_ value: String, _ expected: String?) {
        let request = ClerkRequest(method: .get, url: "https://app.example.test/", headers: [("Authorization", value)])
        #expect(request.tokenInHeader() == expected)
    }

    @Test("isValidScopedList agrees with parseScopedList", arguments: [
        "", "o:a", "u:a,o:b", "uo:x", "o:a,", ",o:a", "a", "o:a,,u:b", ":", "o:", " o : a ", "o:a:b", "x:y,z",
    ])
    func scopedListValidity(_ claim: String) {
        #expect(ClerkAuth.isValidScopedList(claim) == (ClerkAuth.parseScopedList(claim) != nil))
    }

    @Test("Feature masks: the small-number path and the long-division path give the same bits")
    func maskBits() {
        for value in [0, 1, 2, 3, 5, 255, 1023, 123_456_789, 999_999_999_999_999_999] as [UInt64] {
            let text = String(value)
            let fast = ClerkAuth.binaryDigitsLSBFirst(ofDecimal: text) ?? []
            let padded = ClerkAuth.binaryDigitsLSBFirst(ofDecimal: "0" + String(repeating: "0", count: 20) + text) ?? []
            #expect(fast.enumerated().filter(\.element).map(\.offset) == padded.enumerated().filter(\.element).map(\.offset))
        }
    }
}

@Suite("Fast paths: JWT claims and webhook signatures")
struct TokenAndWebhookFastPathTests {
    @Test("String claims read lazily equal the parsed ones, escapes and non-ASCII included")
    func lazyClaims() throws {
        let payload = #"{"sub":"user_1","name":"Zoë \"Z\" \u00e9","path":"a\/b","n":3,"o":{"id":"org_1"},"empty":""}"#
        let members = try #require(JSONObjectParser.parseObjectMembers(Array(payload.utf8)))
        let parsed = try #require(JSONObjectParser.parseObject(Array(payload.utf8)))
        #expect(members.dictionary == parsed)
        #expect(members["sub"] == .string("user_1"))
        #expect(members["empty"] == .string(""))
        #expect(members["missing"] == nil)
    }

    @Test("Word-at-a-time string scanning: the closing quote, an escape, a control byte or a non-ASCII byte at any offset is seen")
    func stringScanningAtEveryOffset() throws {
        for length in 0..<24 {
            for offset in 0...length {
                for special in ["", #"\""#, #"\\"#, #"\/"#, "é", #"\u00e9"#, "\u{212A}"] {
                    var text = String(repeating: "a", count: length)
                    text.insert(contentsOf: special, at: text.index(text.startIndex, offsetBy: offset))
                    let payload = #"{"sub":"\#(text)","x":1}"#
                    let members = try #require(JSONObjectParser.parseObjectMembers(Array(payload.utf8)), "\(payload)")
                    #expect(members.dictionary == JSONObjectParser.parseObject(Array(payload.utf8)), "\(payload)")
                }
                // A raw control byte or a byte that is not UTF-8 anywhere in the string is refused.
                for refused: UInt8 in [0x01, 0x1F, 0xFF] {
                    var bytes = Array(#"{"sub":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: length)
                    bytes.insert(refused, at: 8 + offset)
                    bytes += Array(#""}"#.utf8)
                    #expect(JSONObjectParser.parseObjectMembers(bytes) == nil)
                }
            }
        }
    }

    @Test("Claim checks that read members in place agree with the parsed values", arguments: [
        (#"{"azp":"https://app.example.test"}"#, ["https://app.example.test"], true),
        (#"{"azp":"https://app.example.test"}"#, ["https://other.test", "https://app.example.test"], true),
        (#"{"azp":"https://app.example.tes"}"#, ["https://app.example.test"], false),
        (#"{"azp":"https:\/\/app.example.test"}"#, ["https://app.example.test"], true),  // escaped: parsed
        (#"{"azp":""}"#, ["", "https://app.example.test"], false),  // empty never matches
        (#"{"azp":1}"#, ["1"], false),
        (#"{"other":"x"}"#, ["x"], false),
        (#"{"azp":"Kid"}"#, ["\u{212A}id"], true),  // Swift's equality: the Kelvin sign is `K`
    ])
    func inPlaceStringChecks(payload: String, candidates: [String], matches: Bool) throws {
        let members = try #require(JSONObjectParser.parseObjectMembers(Array(payload.utf8)))
        #expect(members.isNonEmptyString("azp", in: candidates) == matches)
        let value = members["azp"]?.stringValue
        #expect(matches == (value.map { !$0.isEmpty && candidates.contains($0) } ?? false))
        #expect(members.isString("azp") == (value != nil))
    }

    @Test("Nested objects in claims: same values, same depth limit and duplicate rule as the full parser")
    func nestedObjects() throws {
        for depth in [1, 2, 10, 62, 63, 64, 65, 66, 70] {
            for leaf in ["{}", #""x""#, "1", "[]"] {
                let payload = String(repeating: #"{"a":"#, count: depth) + leaf + String(repeating: "}", count: depth)
                let members = JSONObjectParser.parseObjectMembers(Array(payload.utf8))
                let parsed = JSONObjectParser.parseObject(Array(payload.utf8))
                #expect((members == nil) == (parsed == nil), "depth \(depth), leaf \(leaf)")
                if let members { #expect(members.dictionary == parsed) }
            }
        }
        #expect(JSONObjectParser.parseObjectMembers(Array(#"{"o":{"id":"a","id":"b"}}"#.utf8)) == nil)
        #expect(JSONObjectParser.parseObjectMembers(Array(#"{"o":{"id":"a",}}"#.utf8)) == nil)
        let members = try #require(JSONObjectParser.parseObjectMembers(Array(#"{"o":{"id":"org_1","rol":"admin","n":{"k":[1,"2"]}}}"#.utf8)))
        let org = try #require(members.object("o"))
        #expect(org["id"] == "org_1" && org["rol"] == "admin" && org["n"] == ["k": [1, "2"]])
        #expect(members.object("id") == nil && org.object("id") == nil)
        // Claims built from a dictionary answer the same.
        let built = JWTClaims(raw: ["o": ["id": "org_1", "rol": "admin"]])
        #expect(built.members.object("o")?["rol"] == "admin")
    }

    @Test("Lookups by a name written in the code find what lookups by String find, whatever the token's spelling")
    func claimLookups() throws {
        let payloads = [
            #"{"sub":"a","azp":"b","exp":1}"#, "{\"\u{212A}id\":1,\"sub\":2}", #"{"abcdefgh":1,"Kid":2}"#,
            #"{"o":{"id":"org_1","rol":"admin"},"org_permissions":["x"]}"#,
        ]
        for payload in payloads {
            let members = try #require(JSONObjectParser.parseObjectMembers(Array(payload.utf8)))
            #expect(members[claim: "sub"] == members["sub"])
            #expect(members[claim: "Kid"] == members["Kid"])
            #expect(members[claim: "abcdefgh"] == members["abcdefgh"])
            #expect(members[claim: "org_permissions"] == members["org_permissions"])
            #expect(members[claim: "o"] == members["o"])
            #expect(members[claim: "missing"] == nil)
        }
        let kelvin = try #require(JSONObjectParser.parseObjectMembers(Array("{\"\u{212A}id\":1}".utf8)))
        #expect(kelvin[claim: "Kid"] == 1)
    }

    @Test("Malformed payloads are still refused", arguments: [
        #"{"a":"x"#, #"{"a":"\x01"}"#, #"{"a":"b","a":"c"}"#, #"{"a":"b"} x"#, #"{"a":"\q"}"#, "{\"a\":\"\u{7}\"}",
    ])
    func malformed(_ payload: String) {
        #expect(JSONObjectParser.parseObjectMembers(Array(payload.utf8)) == nil)
    }

    @Test("Duplicate claim names are refused whatever their length or spelling; near misses are not duplicates", arguments: [
        (#"{"sub":"a","azp":"b","sub":"c"}"#, true),
        (#"{"abcdefg":1,"abcdefg":2}"#, true),  // seven bytes: the longest packed name
        (#"{"abcdefgh":1,"abcdefgh":2}"#, true),  // eight: compared as strings
        (#"{"Kid":1,"Kid":2}"#, true),  // the Kelvin sign is canonically "K": Swift's equality, as before
        (#"{"café":1,"café":2}"#, true),  // composed and decomposed é
        (#"{"sub":1,"sud":2,"su":3,"subb":4,"Sub":5}"#, false),
        (#"{"abcdefg":1,"abcdefgh":2,"bbcdefg":3}"#, false),
        (#"{"":1,"a":2}"#, false),
        (#"{"":1,"":2}"#, true),
    ])
    func duplicateNames(payload: String, duplicate: Bool) throws {
        let members = JSONObjectParser.parseObjectMembers(Array(payload.utf8))
        #expect((members == nil) == duplicate)
        if let members, !duplicate {
            // Every member is found by its own name, and only by it.
            for (name, value) in try #require(JSONObjectParser.parseObject(Array(payload.utf8))) {
                #expect(members[name] == value)
            }
            #expect(members["s"] == nil && members["subbb"] == nil)
        }
    }

    @Test("A token with more than two dots, or fewer, is refused")
    func dots() {
        for token in ["a.b", "a.b.c.d", "", "..", "abc"] {
            #expect(throws: TokenVerificationError.self) { try decodeJWT(token) }
        }
    }

    @Test("base64url decoding: every length and every alphabet character round-trip; bad input fails")
    func base64url() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = Base64URL.encode(bytes)
            #expect(Base64URL.decode(encoded) == bytes)
        }
        #expect(Base64URL.decode("ab*d") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab+d") == nil)
    }

    @Test("The signature's base64 is Foundation's")
    func base64() {
        for length in [0, 1, 2, 3, 31, 32, 33] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 91 &+ 7) }
            let ours = bytes.withUnsafeBytes { WebhookSignatureHeader.base64($0) }
            #expect(String(decoding: ours, as: UTF8.self) == Data(bytes).base64EncodedString())
        }
    }

    @Test("Signature entries: counted, v1 only, compared up to the next comma", arguments: [
        ("v1,abc", 1, true), ("v2,abc v1,abc", 2, true), ("  v1,abc   v1,zzz ", 2, true), ("v1,abcd", 1, false),
        ("v1,abc,extra", 1, true), ("v1abc", 1, false), ("V1,abc", 1, false), ("", 0, false), ("v1,", 1, false),
        ("v1,ab v1,abc", 2, true),
    ] as [(String, Int, Bool)])
    func signatureEntries(_ header: String, _ count: Int, _ matches: Bool) {
        #expect(WebhookSignatureHeader.entryCount(header) == count)
        #expect(WebhookSignatureHeader.anyV1Matches(header, expected: Array("abc".utf8)) == matches)
    }

    @Test("JSONValue decodes every kind of value, nested, the same as JSONSerialization sees it")
    func jsonValueDecoding() throws {
        let text = #"{"s":"x","i":-3,"d":2.5,"b":true,"n":null,"a":[1,"two",[3],{"k":false}],"o":{"p":{"q":[]}},"e":{}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value == [
            "s": "x", "i": .int(-3), "d": .double(2.5), "b": true, "n": .null,
            "a": [.int(1), "two", [.int(3)], ["k": false]], "o": ["p": ["q": []]], "e": [:],
        ])
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("[]".utf8)) == [])
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(#""x""#.utf8)) == "x")
    }
}
