// libFuzzer target: differential test of ClerkJSONDecoder against Foundation's JSONDecoder.
//
// Every input is decoded into a set of real models (and JSONValue) twice: with ClerkJSONDecoder(), exactly as
// ClerkClient.send and the webhook decoder use it, and with a plain JSONDecoder() (the SDK sets no key, date or
// number strategy: models spell their JSON names in CodingKeys and dates are epoch integers). The results must be
// the same value, or both decodes must fail (error messages are not compared). The comparison goes through
// SnapNode (FuzzSnapshotEncoder.swift), which tells Int64 from Double, -0.0 from 0.0 and compares strings byte for
// byte, and also through ==. (Webhook envelopes are read from the same tape, so this target covers them too.)
//
// The five differences an earlier run found (JSONValue numbers written with a fraction or exponent, `-0` into a
// Double, literals that underflow to zero, duplicate or canonically equal member names, member names that are not
// UTF-8) are fixed in the decoder: the fast path now leaves those documents to JSONDecoder. Nothing is tolerated.
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
    if let tape, ClerkJSONDecoder.decodeFast(T.self, tape: tape) == nil { return }
    let sdk = Result { try ClerkJSONDecoder().decode(T.self, from: body) }
    let reference = Result { try JSONDecoder().decode(T.self, from: body) }
    compareOutcomes(name, body, sdk: sdk, reference: reference)
}

func compareOutcomes<T: Codable & Equatable>(
    _ name: String, _ body: Data, sdk: Result<T, any Error>, reference: Result<T, any Error>
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
        guard let difference = snapDifference(theirsTree, mineTree) else {
            if mine != theirs { fatalError("\(name): same encoding but == is false; input \(describe(body))") }
            return
        }
        problem = "values differ at \(difference)"
    case (.success(let mine), .failure(let error)):
        problem = "the SDK decoded \((try? SnapNode.of(mine).render(limit: 600)) ?? "?") where JSONDecoder failed: \(error)"
    case (.failure(let error), .success(let theirs)):
        // ClerkJSONDecoder ends in JSONDecoder whenever its fast path fails, so this is never expected.
        problem = "the SDK failed (\(error)) where JSONDecoder decoded \((try? SnapNode.of(theirs).render(limit: 600)) ?? "?")"
    }
    fatalError("JSON differential mismatch for \(name): \(problem); input \(describe(body))")
}

/// Where two trees differ, or `nil`: the same tags (Int64 and Double told apart), doubles bit for bit (so -0.0 is
/// not 0.0), strings byte for byte, objects member by member.
func snapDifference(_ theirs: SnapNode, _ mine: SnapNode, path: String = "$") -> String? {
    func show() -> String { "\(path): JSONDecoder \(theirs.render(limit: 300)) vs SDK \(mine.render(limit: 300))" }
    guard theirs.tag == mine.tag else { return show() }
    switch theirs.tag {
    case .unset, .null: return nil
    case .bool: return theirs.bool == mine.bool ? nil : show()
    case .int: return theirs.int == mine.int ? nil : show()
    case .uint: return theirs.uint == mine.uint ? nil : show()
    case .double:
        return theirs.double.bitPattern == mine.double.bitPattern ? nil : show()
    case .string: return theirs.string.utf8.elementsEqual(mine.string.utf8) ? nil : show()
    case .array:
        guard theirs.elements.count == mine.elements.count else { return show() }
        for index in theirs.elements.indices {
            if let difference = snapDifference(
                theirs.elements[index], mine.elements[index], path: "\(path)[\(index)]"
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
                a.value, b.value, path: "\(path).\(SnapNode.quote(a.name))"
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
