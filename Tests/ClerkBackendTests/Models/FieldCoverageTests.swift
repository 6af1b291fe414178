@testable import ClerkBackend
import HTTPTypes
import Foundation
import Testing

/// Field-level coverage of the generated models against the spec, without hand-listed fields: for every schema,
/// a sample payload with every property of the schema (schema-valid values generated from the spec) is decoded
/// into the registered Swift type and encoded again. A property the model does not have (no `CodingKey` with its
/// JSON name) is dropped on the way, so it shows up as a missing key.
@Suite("Models: every spec property is a CodingKey of its model")
struct FieldCoverageTests {
    /// Schemas whose properties cannot all round-trip, with the reason. Kept empty: when the generator is at
    /// fault, fix `Scripts/generate-models.py` instead of adding an entry here. An entry that no longer fails
    /// fails the test (`withKnownIssue`), so the list cannot go stale.
    static let knownExceptions: [String: String] = [:]

    static func schemaNamesWithProperties() throws -> [String] {
        let spec = try SpecFixture.shared()
        return spec.generatedSchemaNames.filter { spec.hasProperties(spec.schemas[$0]!) }
    }

    static func allSchemaNames() throws -> [String] { try SpecFixture.shared().generatedSchemaNames }

    /// Operations whose JSON success body is not just (an array of) a component schema: those get their own
    /// generated types. (The others use the component's type, which `registryCoversEveryOperationResponse`
    /// checks and `sampleRoundTrips` covers.)
    static func operationIDsWithOwnBodyTypes() throws -> [String] {
        let spec = try SpecFixture.shared()
        return spec.operationsWithJSONResponse.filter { operation in
            guard let schema = spec.successSchema(of: operation) else { return false }
            let ref = schema["$ref"]?.stringValue ?? (schema["type"] == "array" ? schema["items"]?["$ref"]?.stringValue : nil)
            return !(ref?.hasPrefix("#/components/schemas/") ?? false)
        }.map(\.id)
    }

    // MARK: - Registry

    @Test("ModelRegistry.schemas lists every component schema but the two hand-written error schemas")
    func registryCoversEverySchema() throws {
        let spec = try SpecFixture.shared()
        #expect(SpecFixture.handWrittenSchemas.isSubset(of: Set(spec.schemas.keys)))
        #expect(ModelRegistry.schemas.count == spec.schemas.count - 2)
        #expect(Set(ModelRegistry.schemas.keys) == Set(spec.schemas.keys).subtracting(SpecFixture.handWrittenSchemas))
        #expect(try Self.schemaNamesWithProperties().count == 157)
    }

    @Test("ModelRegistry.operationResponses covers every operation with a JSON success body, with the right type")
    func registryCoversEveryOperationResponse() throws {
        let spec = try SpecFixture.shared()
        let expected = Set(spec.operationsWithJSONResponse.map(\.id))
        #expect(expected.count >= 243)
        #expect(ModelRegistry.operationResponses.count == expected.count)
        #expect(Set(ModelRegistry.operationResponses.keys) == expected)
        // Bodies that are (arrays of) a component schema use that schema's type.
        for operation in spec.operationsWithJSONResponse {
            let schema = try #require(spec.successSchema(of: operation))
            guard let registered = ModelRegistry.operationResponses[operation.id] else { continue }
            let prefix = "#/components/schemas/"
            if let ref = schema["$ref"]?.stringValue, ref.hasPrefix(prefix) {
                let component = try #require(ModelRegistry.schemas[String(ref.dropFirst(prefix.count))])
                #expect(ObjectIdentifier(registered) == ObjectIdentifier(component), "\(operation.id)")
            } else if schema["type"] == "array", let ref = schema["items"]?["$ref"]?.stringValue, ref.hasPrefix(prefix) {
                let component = try #require(ModelRegistry.schemas[String(ref.dropFirst(prefix.count))])
                #expect(Self.isArray(registered, of: component), "\(operation.id) is \(registered)")
            }
        }
    }

    // MARK: - Properties

    @Test("Every property of the schema is a CodingKey of its model (top-level key sets)",
          arguments: try schemaNamesWithProperties())
    func everyPropertyIsACodingKey(_ name: String) throws {
        let spec = try SpecFixture.shared()
        let type = try #require(ModelRegistry.schemas[name])
        let schema = JSONValue.object(["$ref": .string("#/components/schemas/\(name)")])
        let properties = Set(spec.mergedObject(schema).properties.keys)
        let input = spec.sample(of: schema).value
        try #require(Set(input.objectValue?.keys.map { $0 } ?? []) == properties)
        try expectUnlessKnown(name) {
            let output = try ModelJSON.roundTrip(input, as: type)
            let keys = Set(output.objectValue?.keys.map { $0 } ?? [])
            #expect(properties.subtracting(keys).isEmpty, "\(name) drops \(properties.subtracting(keys).sorted())")
            #expect(keys.subtracting(properties).isEmpty, "\(name) adds \(keys.subtracting(properties).sorted())")
        }
    }

    @Test("Full samples of every schema (every union variant) round-trip unchanged, nested objects included",
          arguments: try allSchemaNames())
    func sampleRoundTrips(_ name: String) throws {
        let spec = try SpecFixture.shared()
        let type = try #require(ModelRegistry.schemas[name])
        let inputs = spec.samplesOfEveryVariant(of: .object(["$ref": .string("#/components/schemas/\(name)")]))
        try expectUnlessKnown(name) {
            for input in inputs {
                let output = try ModelJSON.roundTrip(input, as: type)
                let differences = ModelJSON.differences(expected: input, actual: output)
                #expect(differences.isEmpty, "\(name): \(differences)")
            }
        }
    }

    @Test("Full samples of every operation's own JSON success body type (every union variant) round-trip unchanged",
          arguments: try operationIDsWithOwnBodyTypes())
    func responseSampleRoundTrips(_ operationID: String) throws {
        let spec = try SpecFixture.shared()
        let type = try #require(ModelRegistry.operationResponses[operationID])
        let operation = try #require(spec.operations.first { $0.id == operationID })
        let schema = try #require(spec.successSchema(of: operation))
        for input in spec.samplesOfEveryVariant(of: schema) {
            let output = try ModelJSON.roundTrip(input, as: type)
            let differences = ModelJSON.differences(expected: input, actual: output)
            #expect(differences.isEmpty, "\(operationID): \(differences)")
        }
    }

    @Test("Every known exception names a schema and gives a reason")
    func exceptionsAreDocumented() throws {
        let spec = try SpecFixture.shared()
        for (name, reason) in Self.knownExceptions {
            #expect(spec.schemas[name] != nil, "\(name) is not a schema")
            #expect(!reason.isEmpty, "\(name) has no reason")
        }
    }

    // MARK: - Helpers

    /// Runs `body`; for a schema in `knownExceptions` its failures are expected (and a pass is reported).
    private func expectUnlessKnown(_ name: String, _ body: () throws -> Void) throws {
        if let reason = Self.knownExceptions[name] {
            withKnownIssue(Comment(rawValue: reason)) { try body() }
        } else {
            try body()
        }
    }

    private static func isArray(_ type: any (Codable & Sendable).Type, of element: any (Codable & Sendable).Type) -> Bool {
        func opened<T: Codable & Sendable>(_ element: T.Type) -> Bool {
            ObjectIdentifier(type) == ObjectIdentifier([T].self)
        }
        return opened(element)
    }
}
