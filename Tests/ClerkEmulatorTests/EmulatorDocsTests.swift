import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

@Suite("Emulator: the docs list exactly the implemented operations")
struct EmulatorDocsTests {
    @Test("docs/emulator.md lists ClerkEmulator.implementedOperations, all of them spec operations, and the README counts them")
    func docsListImplementedOperations() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let reference = try String(contentsOf: root.appendingPathComponent("docs/emulator.md"), encoding: .utf8)
        let start = try #require(reference.range(of: "<!-- emulator-operations:start -->"))
        let end = try #require(reference.range(of: "<!-- emulator-operations:end -->"))
        let listed = reference[start.upperBound..<end.lowerBound].matches(of: #/`(\w+)`/#).map { String($0.output.1) }
        #expect(Set(listed).count == listed.count)
        #expect(Set(listed) == Set(ClerkEmulator.implementedOperations))
        #expect(Set(ClerkEmulator.implementedOperations).isSubset(of: Set(Endpoint.all.map(\.operationID))))
        #expect(readme.contains("SQLite, \(ClerkEmulator.implementedOperations.count) operations"))
    }
}
