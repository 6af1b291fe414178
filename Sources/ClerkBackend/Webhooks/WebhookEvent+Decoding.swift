#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

// How a verified body becomes a `WebhookEvent`: parsed once into the JSON tape of `ClerkJSONDecoder`; the envelope's
// fields and the typed payload are read from that tape, and `rawData` is built from it only when read. Anything the
// tape does not answer exactly as JSONDecoder would (an envelope field of an unexpected kind, a number that is not a
// plain integer, duplicate or escaped member names…) sends the body down the general path, which decodes it with
// JSONDecoder's rules, so both paths give the same event.

extension WebhookEvent {
    /// Decodes a verified body. Throws only when it is not a JSON object.
    static func decode(body: Data, messageID: String, messageTimestamp: Date) throws -> WebhookEvent {
        let fast: WebhookEvent? = body.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress, !raw.isEmpty,
                let tape = JSONTape(UnsafeBufferPointer(start: base, count: raw.count))
            else { return nil }
            return decodeFast(tape: tape, body: body, messageID: messageID, messageTimestamp: messageTimestamp)
        }
        if let fast { return fast }
        return try decodeGeneral(body: body, messageID: messageID, messageTimestamp: messageTimestamp)
    }

    /// The envelope read from the tape; `nil` (the general path decides) for anything but the plain shapes.
    private static func decodeFast(tape: JSONTape, body: Data, messageID: String, messageTimestamp: Date)
        -> WebhookEvent?
    {
        guard tape.nodes[0].kind == .object, tape.hasPlainDistinctNames(object: 0) else { return nil }
        var type = "", object = "", instanceID: String?, timestamp: Int64?
        var dataNode: Int?, attributes: JSONValue?
        var name = 1
        for _ in 0..<tape.nodes[0].count {
            let value = name + 1
            if tape.nameIs(name, "data") {
                dataNode = value
            } else if tape.nameIs(name, "type") {
                guard let text = tape.string(at: value) else { return nil }
                type = text
            } else if tape.nameIs(name, "object") {
                guard let text = tape.string(at: value) else { return nil }
                object = text
            } else if tape.nameIs(name, "instance_id") {
                guard let text = tape.string(at: value) else { return nil }
                instanceID = text
            } else if tape.nameIs(name, "timestamp") {
                guard let number = tape.integer(at: value) else { return nil }
                timestamp = number
            } else if tape.nameIs(name, "event_attributes") {
                tape.gaveUp = false
                guard let json = try? tape.jsonValue(value), !tape.gaveUp else { return nil }
                attributes = json
            }
            name = tape.nodes[value].next
        }
        let eventType = WebhookEventType(rawValue: type)
        let raw = dataNode.map { WebhookRawPayload(body: body, nodes: tape.nodes, node: $0) } ?? WebhookRawPayload(.null)
        let payload = TapePayload(tape: tape, node: dataNode, body: body, raw: raw)
        let (data, failure) = WebhookEventData.decode(type: eventType, payload: payload)
        var event = WebhookEvent(
            type: eventType, object: object, data: data, rawData: .null,
            eventAttributes: attributes.map(WebhookEventAttributes.init(raw:)), instanceID: instanceID,
            timestamp: timestamp, messageID: messageID, messageTimestamp: messageTimestamp,
            dataDecodingFailure: failure
        )
        event.rawPayload = raw
        return event
    }

    /// Every body the tape does not take: JSONDecoder's rules for numbers and duplicate names.
    private static func decodeGeneral(body: Data, messageID: String, messageTimestamp: Date) throws -> WebhookEvent {
        let envelope: [String: JSONValue]
        do {
            envelope = try ClerkJSONDecoder().decode([String: JSONValue].self, from: body)
        } catch {
            throw WebhookVerificationError(
                .invalidPayload, "The webhook signature is valid but the body is not a JSON object"
            )
        }
        let type = WebhookEventType(rawValue: envelope["type"]?.stringValue ?? "")
        let rawData = envelope["data"] ?? .null
        let (data, failure) = WebhookEventData.decode(type: type, payload: BodyPayload(body: body, rawData: rawData))
        return WebhookEvent(
            type: type,
            object: envelope["object"]?.stringValue ?? "",
            data: data,
            rawData: rawData,
            eventAttributes: envelope["event_attributes"].map(WebhookEventAttributes.init(raw:)),
            instanceID: envelope["instance_id"]?.stringValue,
            timestamp: envelope["timestamp"]?.intValue,
            messageID: messageID,
            messageTimestamp: messageTimestamp,
            dataDecodingFailure: failure
        )
    }
}

/// Where a typed payload is decoded from.
protocol WebhookPayloadSource {
    /// The payload as `T`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T
    /// The payload as JSON.
    var rawData: JSONValue { get }
}

/// The `data` member of a body, decoded through `ClerkJSONDecoder` (its fast path, else JSONDecoder).
private struct BodyPayload: WebhookPayloadSource {
    let body: Data
    let rawData: JSONValue

    private struct Envelope<Payload: Decodable>: Decodable {
        let data: Payload
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // From the body itself (not from `rawData`), so numbers keep their exact source text.
        try ClerkJSONDecoder().decode(Envelope<T>.self, from: body).data
    }
}

/// The `data` node of an already parsed body; what the tape does not decode exactly as JSONDecoder would goes to
/// ``BodyPayload``, so errors and edge cases are JSONDecoder's.
private struct TapePayload: WebhookPayloadSource {
    let tape: JSONTape
    let node: Int?
    let body: Data
    let raw: WebhookRawPayload

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let node {
            tape.gaveUp = false
            if let value = try? tape.decode(node, as: T.self), !tape.gaveUp { return value }
        }
        return try BodyPayload(body: body, rawData: raw.value).decode(T.self)
    }

    var rawData: JSONValue { raw.value }
}

/// The payload's JSON: a value, or the parsed body it is built from the first time it is read.
final class WebhookRawPayload: Sendable {
    private struct Source: Sendable {
        let body: Data
        let nodes: [JSONTape.Node]
        let node: Int
    }

    private let source: Source?
    private let cache: Mutex<JSONValue?>

    init(_ value: JSONValue) {
        source = nil
        cache = Mutex(value)
    }

    init(body: Data, nodes: [JSONTape.Node], node: Int) {
        source = Source(body: body, nodes: nodes, node: node)
        cache = Mutex(nil)
    }

    var value: JSONValue {
        cache.withLock { cached in
            if let cached { return cached }
            let built = build()
            cached = built
            return built
        }
    }

    /// The payload's own bytes when it is an object or an array of a parsed body (for `decodeData(as:)`).
    var sourceBytes: Data? {
        guard let source else { return nil }
        let node = source.nodes[source.node]
        guard node.kind == .object || node.kind == .array else { return nil }
        return source.body.subdata(in: source.body.startIndex + node.start..<source.body.startIndex + node.end)
    }

    private func build() -> JSONValue {
        guard let source else { return .null }
        let fast: JSONValue? = source.body.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            let tape = JSONTape(UnsafeBufferPointer(start: base, count: raw.count), parsed: source.nodes)
            guard let value = try? tape.jsonValue(source.node), !tape.gaveUp else { return nil }
            return value
        }
        if let fast { return fast }
        // Numbers other than plain integers, duplicate names: JSONDecoder's values.
        let envelope = try? ClerkJSONDecoder().decode([String: JSONValue].self, from: source.body)
        return envelope?["data"] ?? .null
    }
}
