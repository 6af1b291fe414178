import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

@Suite("Emulator: the README lists exactly the implemented operations")
struct EmulatorDocsTests {
    @Test("The README's list of implemented operations is ClerkEmulator.implementedOperations, all of them spec operations")
    func readmeListsImplementedOperations() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- emulator-operations:start -->"))
        let end = try #require(readme.range(of: "<!-- emulator-operations:end -->"))
        let listed = readme[start.upperBound..<end.lowerBound].matches(of: #/`(\w+)`/#).map { String($0.output.1) }
        #expect(Set(listed).count == listed.count)
        #expect(Set(listed) == Set(ClerkEmulator.implementedOperations))
        #expect(Set(ClerkEmulator.implementedOperations).isSubset(of: Set(Endpoint.all.map(\.operationID))))
        #expect(readme.contains("SQLite, \(ClerkEmulator.implementedOperations.count) operations"))
    }
}
