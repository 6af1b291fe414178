// libFuzzer target: differential test of ClerkJSONDecoder against Foundation's JSONDecoder.
//
// Every input is decoded into a set of real models (and JSONValue) twice: with ClerkJSONDecoder(), exactly as
// ClerkClient.send and the webhook decoder use it, and with a plain JSONDecoder() (the SDK sets no key, date or
// number strategy: models spell their JSON names in CodingKeys and dates are epoch integers). The results must be
// the same value, or both decodes must fail (error messages are not compared). The comparison goes through
// SnapNode (FuzzSnapshotEncoder.swift), which tells Int64 from Double, -0.0 from 0.0 and compares strings byte for
// byte, and also through ==. The SDK's JSONObjectParser, which WebhookEvent uses for the envelope before falling
// back to ClerkJSONDecoder, is checked against JSONDecoder the same way whenever it accepts a document.
//
// Known differences (reported, not fixed here; see the KNOWN-n notes) are tolerated so that a long run can look for
// new ones. FUZZ_JSON_STRICT=1 turns the tolerance off and makes every one of them crash.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let strictDifferential = getenv("FUZZ_JSON_STRICT").map { String(cString: $0) == "1" } ?? false
/// FUZZ_JSON_ONLY=User (a name as in the crash messages) checks that one type alone, to see its own result.
let onlyDifferential = getenv("FUZZ_JSON_ONLY").map { String(cString: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONDifferential(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(bytes: data, count: size)
    // JSONDecoder reads JSONValue in time that grows faster than the square of the array nesting (every level
    // runs four failing scalar probes and a failing keyed probe, each building a DecodingError): about 0.04 s at
    // depth 100 and 0.3 s at depth 200 without sanitizers, ten times that with them. Deeper documents would stall
    // the run, so they are skipped. (The fast path's own limit, 256, only decides when it gives up.)
    guard nestingDepth(data, size) <= 64 else { return 0 }

    // Every input goes through ClerkJSONDecoder().decode as a JSONValue, whatever it is.
    differential(JSONValue.self, "JSONValue", body, tape: nil)

    // For the models, only inputs that the fast path decodes are worth the cost: when it gives up,
    // ClerkJSONDecoder.decode returns JSONDecoder's own result by construction (its last line), and the comparison
    // would set JSONDecoder against itself. The tape (the fast path's index of the document) is built once here
    // and only used to ask that question; the values compared still come from ClerkJSONDecoder().decode.
    if let tape = JSONTape(UnsafeBufferPointer(start: data, count: size)) {
        differential([String: JSONValue].self, "[String: JSONValue]", body, tape: tape)
        differential(User.self, "User", body, tape: tape)
        differential(Organization.self, "Organization", body, tape: tape)
        differential(Session.self, "Session", body, tape: tape)
        differential(EmailAddress.self, "EmailAddress", body, tape: tape)
        differential([EmailAddress].self, "[EmailAddress]", body, tape: tape)
        differential(Client.self, "Client", body, tape: tape)
        differential(OrganizationMembership.self, "OrganizationMembership", body, tape: tape)
        differential(DeletedObject.self, "DeletedObject", body, tape: tape)
        differential(Organizations.self, "Organizations", body, tape: tape)
        differential(PaginatedResourceResponse<User>.self, "PaginatedResourceResponse<User>", body, tape: tape)
        differential(PaginatedResourceResponse<Session>.self, "PaginatedResourceResponse<Session>", body, tape: tape)
        differential(
            CommerceProrationCreditDetailResponse.self, "CommerceProrationCreditDetailResponse", body, tape: tape
        )
    }

    // The webhook envelope parser: when it accepts a document it must agree with JSONDecoder (it may refuse more).
    if onlyDifferential == nil || onlyDifferential == "JSONObjectParser",
        let parsed = JSONObjectParser.parseObject(Array(body))
    {
        compareOutcomes(
            "JSONObjectParser (parseObject vs JSONDecoder [String: JSONValue])", body,
            sdk: .success(parsed), reference: Result { try JSONDecoder().decode([String: JSONValue].self, from: body) },
            redo: { try JSONDecoder().decode([String: JSONValue].self, from: $0) }
        )
    }
    return 0
}

/// The deepest nesting of arrays and objects, counting brackets outside strings (on any bytes, JSON or not).
func nestingDepth(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int {
    var depth = 0
    var deepest = 0
    var inString = false
    var index = 0
    while index < size {
        let byte = data[index]
        if inString {
            if byte == UInt8(ascii: "\\") {
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
        } else {
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        index += 1
    }
    return deepest
}

/// Decodes `body` as `T` with ClerkJSONDecoder and with JSONDecoder and crashes on any difference. With a tape,
/// inputs whose fast-path decode gives up are skipped (see the caller).
func differential<T: Codable & Equatable>(_ type: T.Type, _ name: String, _ body: Data, tape: JSONTape?) {
    if let onlyDifferential, onlyDifferential != name { return }
    if let tape, (try? T(from: TapeDecoder(tape: tape, node: 0))) == nil { return }
    let sdk = Result { try ClerkJSONDecoder().decode(T.self, from: body) }
    let reference = Result { try JSONDecoder().decode(T.self, from: body) }
    compareOutcomes(name, body, sdk: sdk, reference: reference, redo: { try JSONDecoder().decode(T.self, from: $0) })
}

func compareOutcomes<T: Codable & Equatable>(
    _ name: String, _ body: Data, sdk: Result<T, any Error>, reference: Result<T, any Error>,
    redo: (Data) throws -> T
) {
    let problem: String
    switch (sdk, reference) {
    case (.failure, .failure):
        return
    case (.success(let mine), .success(let theirs)):
        let mineTree: SnapNode
        let theirsTree: SnapNode
        do {
            mineTree = try SnapNode.of(mine)
            theirsTree = try SnapNode.of(theirs)
        } catch {
            fatalError("\(name): a decoded value did not encode: \(error)")
        }
        guard let difference = snapDifference(theirsTree, mineTree, tolerant: false) else {
            if mine != theirs { fatalError("\(name): same encoding but == is false; input \(describe(body))") }
            return
        }
        if !strictDifferential {
            // KNOWN-1 (a JSONValue number with a fraction or exponent that JSONDecoder reads as an integer) and
            // KNOWN-2 (`-0` into a Double): tolerated value by value.
            if snapDifference(theirsTree, mineTree, tolerant: true) == nil { return }
            if tolerated(body, mineTree, redo) { return }
        }
        problem = "values differ at \(difference)"
    case (.success(let mine), .failure(let error)):
        if !strictDifferential, let mineTree = try? SnapNode.of(mine), tolerated(body, mineTree, redo) { return }
        problem = "the SDK decoded \((try? SnapNode.of(mine).render(limit: 600)) ?? "?") where JSONDecoder failed: \(error)"
    case (.failure(let error), .success(let theirs)):
        // ClerkJSONDecoder ends in JSONDecoder whenever its fast path fails, so this is never expected.
        problem = "the SDK failed (\(error)) where JSONDecoder decoded \((try? SnapNode.of(theirs).render(limit: 600)) ?? "?")"
    }
    fatalError("JSON differential mismatch for \(name): \(problem); input \(describe(body))")
}

/// KNOWN-3, KNOWN-4 and KNOWN-5: differences that a rewrite of the input explains. The input is rewritten the way
/// the fast path reads it (number literals that underflow become zero; of members with equal names, the first name
/// is kept with the last value; members whose name is not UTF-8 are dropped) and JSONDecoder's reading of the
/// rewrite must then match the SDK's value.
func tolerated<T: Codable>(_ body: Data, _ mine: SnapNode, _ redo: (Data) throws -> T) -> Bool {
    guard let rewritten = FastPathReading.rewrite(Array(body)),
        let again = try? redo(Data(rewritten)), let againTree = try? SnapNode.of(again)
    else { return false }
    return snapDifference(againTree, mine, tolerant: true) == nil
}

/// Where two trees differ, or `nil`. With `tolerant`, the value-level known differences are accepted:
///
/// KNOWN-1: JSONValue of a number written with a fraction or exponent (`1.0`, `1e2`, `-0.0`, `1e-400`): JSONValue's
///   init tries Int64 before Double, and JSONDecoder reads such literals into Int64 when they are integral (it even
///   rounds `1.00000000000000000001` to 1), giving `.int`, while the fast path's `jsonValue` (and
///   JSONObjectParser) make them `.double`. Accepted when the double equals the integer.
/// KNOWN-2: the literal `-0` into a Double field: JSONDecoder gives -0.0, the fast path +0.0 (it reads the literal
///   as the integer 0 first). Accepted when both are zero.
func snapDifference(_ theirs: SnapNode, _ mine: SnapNode, tolerant: Bool, path: String = "$") -> String? {
    func show() -> String { "\(path): JSONDecoder \(theirs.render(limit: 300)) vs SDK \(mine.render(limit: 300))" }
    if tolerant, theirs.tag == .int, mine.tag == .double, mine.double == Double(theirs.int) { return nil }
    guard theirs.tag == mine.tag else { return show() }
    switch theirs.tag {
    case .unset, .null: return nil
    case .bool: return theirs.bool == mine.bool ? nil : show()
    case .int: return theirs.int == mine.int ? nil : show()
    case .uint: return theirs.uint == mine.uint ? nil : show()
    case .double:
        if theirs.double.bitPattern == mine.double.bitPattern { return nil }
        if tolerant, theirs.double == 0, mine.double == 0 { return nil }
        return show()
    case .string: return theirs.string.utf8.elementsEqual(mine.string.utf8) ? nil : show()
    case .array:
        guard theirs.elements.count == mine.elements.count else { return show() }
        for index in theirs.elements.indices {
            if let difference = snapDifference(
                theirs.elements[index], mine.elements[index], tolerant: tolerant, path: "\(path)[\(index)]"
            ) {
                return difference
            }
        }
        return nil
    case .object:
        let left = theirs.sortedMembers
        let right = mine.sortedMembers
        guard left.count == right.count else { return show() }
        for (a, b) in zip(left, right) {
            guard a.name.utf8.elementsEqual(b.name.utf8) else { return show() }
            if let difference = snapDifference(
                a.value, b.value, tolerant: tolerant, path: "\(path).\(SnapNode.quote(a.name))"
            ) {
                return difference
            }
        }
        return nil
    }
}

/// The input for a crash message: bytes outside printable ASCII as \xHH, cut short (libFuzzer keeps the whole
/// input as the artifact).
func describe(_ body: Data) -> String {
    SnapNode.quote(bytes: body.prefix(600)) + (body.count > 600 ? "… (\(body.count) bytes)" : "")
}

/// A small JSON reader that re-emits a document the way ClerkJSONDecoder's fast path reads it, for the tolerance of
/// KNOWN-3, KNOWN-4 and KNOWN-5:
///
/// KNOWN-3: a number literal with non-zero digits whose value underflows to zero (`1e-400`, `2e-324`) into a Double:
///   JSONDecoder refuses it, the fast path (Swift's `Double(String)`) reads 0. Rewritten as `0.0` / `-0.0`.
/// KNOWN-4: members whose names are equal as Swift strings (byte-identical, escaped differently, or canonically
///   equivalent such as "\u212A" and "K" or precomposed and decomposed accents) inside an object the fast path
///   builds a dictionary for: JSONDecoder keeps the first value, the fast path the last (with the first name). The
///   fast path sends byte-identical and escaped duplicates in a model's own keyed container to JSONDecoder, but not
///   inside JSONValue objects, nor canonically equivalent names anywhere. Rewritten as first name, last value.
/// KNOWN-5: a member name that is not valid UTF-8 (unescaped bytes such as 0x97) in an object read through a keyed
///   container: JSONDecoder refuses the object (it decodes every name when it opens the container), while the
///   fast path never checks a name it does not look up, and its `allKeys` (used by JSONValue and dictionaries)
///   silently leaves such names out. So `{"\x97":2}` is an empty JSONValue object for the SDK and an error for
///   JSONDecoder, and a User with such a stray member decodes only with the SDK. Rewritten without the member.
///
/// `rewrite` returns `nil` when the input is not JSON or nothing needed rewriting.
enum FastPathReading {
    static func rewrite(_ bytes: [UInt8]) -> [UInt8]? {
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        guard let output = reader.value(depth: 0) else { return nil }
        reader.skipWhitespace()
        guard reader.position == bytes.count, reader.changed else { return nil }
        return output
    }

    struct Reader {
        let bytes: [UInt8]
        var position = 0
        var changed = false

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func value(depth: Int) -> [UInt8]? {
            guard depth < 1000, position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "{"): return object(depth: depth + 1)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default:
                for literal in ["true", "false", "null"] where bytes[position...].starts(with: literal.utf8) {
                    position += literal.utf8.count
                    return Array(literal.utf8)
                }
                return nil
            }
        }

        /// A string token, quotes included, as it is.
        mutating func string() -> [UInt8]? {
            let start = position
            position += 1
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    position += 1
                    return Array(bytes[start..<position])
                case UInt8(ascii: "\\"): position += 2
                default: position += 1
                }
            }
            return nil
        }

        mutating func number() -> [UInt8]? {
            let start = position
            let numberBytes = Array("+-.eE0123456789".utf8)
            while position < bytes.count, numberBytes.contains(bytes[position]) { position += 1 }
            let literal = Array(bytes[start..<position])
            let text = String(decoding: literal, as: UTF8.self)
            let mantissa = literal.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
            if let value = Double(text), value == 0, mantissa.contains(where: { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }) {
                changed = true
                return Array((literal.first == UInt8(ascii: "-") ? "-0.0" : "0.0").utf8)
            }
            return literal
        }

        mutating func array(depth: Int) -> [UInt8]? {
            position += 1
            var output: [UInt8] = [UInt8(ascii: "[")]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return output + [UInt8(ascii: "]")]
            }
            while true {
                skipWhitespace()
                guard let element = value(depth: depth) else { return nil }
                output += element
                skipWhitespace()
                guard position < bytes.count else { return nil }
                position += 1
                switch bytes[position - 1] {
                case UInt8(ascii: ","): output.append(UInt8(ascii: ","))
                case UInt8(ascii: "]"): return output + [UInt8(ascii: "]")]
                default: return nil
                }
            }
        }

        mutating func object(depth: Int) -> [UInt8]? {
            position += 1
            var members: [(name: [UInt8], value: [UInt8])] = []
            var index: [String: Int] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return Array("{}".utf8)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let name = string() else {
                    return nil
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return nil }
                position += 1
                skipWhitespace()
                guard let member = value(depth: depth) else { return nil }
                if String(validating: name, as: UTF8.self) == nil {
                    // KNOWN-5: the fast path never validates a name it does not need; dropped here.
                    changed = true
                } else if let decodedName = try? JSONDecoder().decode(String.self, from: Data(name)) {
                    if let existing = index[decodedName] {
                        members[existing].value = member
                        changed = true
                    } else {
                        index[decodedName] = members.count
                        members.append((name, member))
                    }
                } else {
                    return nil
                }
                skipWhitespace()
                guard position < bytes.count else { return nil }
                position += 1
                switch bytes[position - 1] {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "}"):
                    var output: [UInt8] = [UInt8(ascii: "{")]
                    for (offset, member) in members.enumerated() {
                        if offset > 0 { output.append(UInt8(ascii: ",")) }
                        output += member.name + [UInt8(ascii: ":")] + member.value
                    }
                    return output + [UInt8(ascii: "}")]
                default: return nil
                }
            }
        }
    }
}
