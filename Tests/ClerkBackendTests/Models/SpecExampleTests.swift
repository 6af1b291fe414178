@testable import ClerkBackend
import HTTPTypes
import Foundation
import Testing

/// The spec's own examples decode into the generated models.
///
/// The spec gives no example for a whole component schema, only property-level ones. They are checked two ways:
/// in place (a schema-valid sample of the schema with every `example` of the spec substituted where it applies,
/// decoded and re-encoded unchanged), and as the generator author does it (objects assembled from property
/// examples alone, single-value enums such as `object` filled in, when that covers every required property).
@Suite("Models: the spec's examples decode into the generated types")
struct SpecExampleTests {
    /// Examples in `components/schemas` (all property-level): measured on the 2026-05-12 spec.
    static let componentExampleCount = 14
    /// Component schemas whose property examples assemble a complete object: `TestingToken`,
    /// `ExtendFreeTrialRequest`.
    static let assembledComponentCount = 2
    /// Examples inside the JSON success bodies of operations (inline and `components/responses`).
    static let responseExampleCount = 176
    /// Success bodies (or their variants) that assemble a complete object from property examples.
    static let assembledResponseCount = 14

    @Test("Every example in components/schemas decodes in place, and re-encodes unchanged")
    func componentExamplesInPlace() throws {
        let spec = try SpecFixture.shared()
        let all = spec.exampleLocations(under: spec.root["components"]?["schemas"] ?? [:], at: "#/components/schemas")
        var decoded: Set<String> = []
        for name in spec.generatedSchemaNames {
            let type = try #require(ModelRegistry.schemas[name], "no registered type for \(name)")
            decoded.formUnion(
                checkInPlace(spec, .object(["$ref": .string("#/components/schemas/\(name)")]), as: type, label: name))
        }
        #expect(decoded.intersection(all) == all, "examples not decoded: \(all.subtracting(decoded).sorted())")
        #expect(all.count >= Self.componentExampleCount)
        #expect(decoded.intersection(all).count >= Self.componentExampleCount)
    }

    @Test("Component objects assembled from property examples decode, and re-encode unchanged")
    func assembledComponentExamples() throws {
        let spec = try SpecFixture.shared()
        var count = 0
        for name in spec.generatedSchemaNames {
            guard let example = spec.assembledExample(of: .object(["$ref": .string("#/components/schemas/\(name)")]))
            else { continue }
            let type = try #require(ModelRegistry.schemas[name])
            if check(example, as: type, label: "\(name) (assembled)") { count += 1 }
        }
        #expect(count >= Self.assembledComponentCount)
    }

    @Test("Every example in an operation's JSON success body decodes in place, and re-encodes unchanged")
    func responseExamplesInPlace() throws {
        let spec = try SpecFixture.shared()
        var all: Set<String> = []
        var decoded: Set<String> = []
        for operation in spec.operationsWithJSONResponse {
            let body = try #require(spec.successBody(of: operation))
            let type = try #require(ModelRegistry.operationResponses[operation.id], "no type for \(operation.id)")
            all.formUnion(spec.exampleLocations(under: body.schema, at: body.location))
            decoded.formUnion(checkInPlace(spec, body.schema, at: body.location, as: type, label: operation.id))
        }
        #expect(decoded.intersection(all) == all, "examples not decoded: \(all.subtracting(decoded).sorted())")
        #expect(all.count >= Self.responseExampleCount)
        #expect(decoded.intersection(all).count >= Self.responseExampleCount)
    }

    @Test("Operation success bodies assembled from property examples decode, and re-encode unchanged")
    func assembledResponseExamples() throws {
        let spec = try SpecFixture.shared()
        var count = 0
        for operation in spec.operationsWithJSONResponse {
            let schema = try #require(spec.successSchema(of: operation))
            let type = try #require(ModelRegistry.operationResponses[operation.id])
            for (index, candidate) in ([schema] + spec.variants(spec.resolve(schema))).enumerated() {
                guard let example = spec.assembledExample(of: candidate) else { continue }
                if check(example, as: type, label: "\(operation.id) #\(index) (assembled)") { count += 1 }
            }
        }
        #expect(count >= Self.assembledResponseCount)
    }

    // MARK: - Helpers

    /// Decodes samples of `schema` with the spec's examples in place (one sample per variant of a top-level
    /// `oneOf`/`anyOf`); returns the example locations of the samples that decoded and re-encoded unchanged.
    private func checkInPlace(
        _ spec: SpecFixture, _ schema: JSONValue, at location: String = "#", as type: any (Codable & Sendable).Type,
        label: String
    ) -> Set<String> {
        var schema = schema
        var location = location
        if let ref = schema["$ref"]?.stringValue, let target = spec.pointer(ref) {
            (schema, location) = (target, ref)
        }
        var candidates = [(schema, location)]
        let combinator = schema["oneOf"] != nil ? "oneOf" : "anyOf"
        if schema["properties"] == nil {
            for (index, variant) in (schema[combinator]?.arrayValue ?? []).enumerated()
            where spec.variants(schema).contains(variant) {
                candidates.append((variant, "\(location)/\(combinator)/\(index)"))
            }
        }
        var decoded: Set<String> = []
        for (candidate, candidateLocation) in candidates {
            let sample = spec.sample(of: candidate, at: candidateLocation, options: .init(useExamples: true))
            guard !sample.examplesUsed.isEmpty else { continue }
            if check(sample.value, as: type, label: "\(label) with examples \(sample.examplesUsed.sorted())") {
                decoded.formUnion(sample.examplesUsed)
            }
        }
        return decoded
    }

    /// Decodes `json` into `type` and re-encodes it; records an issue (and returns false) unless that gives `json`
    /// back.
    private func check(_ json: JSONValue, as type: any (Codable & Sendable).Type, label: String) -> Bool {
        do {
            let output = try ModelJSON.roundTrip(json, as: type)
            let differences = ModelJSON.differences(expected: json, actual: output)
            #expect(differences.isEmpty, "\(label) as \(type): \(differences)")
            return differences.isEmpty
        } catch {
            Issue.record("\(label) does not decode as \(type): \(error)\n\(ModelJSON.describe(json))")
            return false
        }
    }
}
