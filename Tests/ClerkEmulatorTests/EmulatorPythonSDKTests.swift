import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// The emulator driven by Clerk's official Python SDK (`clerk-backend-api`, generated from the same spec), through
/// `Scripts/python-sdk-check.py`: every operation that SDK has, each answer decoded by the SDK's own models. `.ci/run`
/// installs the SDK and sets `CLERK_REQUIRE_PYTHON_SDK=1`, so there the test cannot be skipped; elsewhere it runs
/// when the SDK is installed (`pip install clerk-backend-api==7.0.0`).
@Suite("Emulator: Clerk's official Python SDK", .enabled(if: PythonSDK.shouldRun, PythonSDK.skipMessage))
struct EmulatorPythonSDKTests {
    @Test("Every operation of the Python SDK against the emulator: successes decode, refusals are the documented ones")
    func everyOperation() async throws {
        try #require(PythonSDK.installed, "CLERK_REQUIRE_PYTHON_SDK is set but `import clerk_backend_api` fails: pip install clerk-backend-api==7.0.0")
        let root = PythonSDK.repositoryRoot
        try await withEmulator { emulator, _ in
            let run = try await PythonSDK.run([
                root.appendingPathComponent("Scripts/python-sdk-check.py").path,
                "--url", emulator.apiURL.absoluteString, "--secret-key", emulator.secretKey,
                "--spec", root.appendingPathComponent("Tests/ClerkBackendTests/Fixtures/clerk-bapi-2026-05-12.yml").path,
            ])
            #expect(run.status == 0, "python-sdk-check failed:\n\(run.output)")
            // The script's own coverage line: every operation of this SDK version reached, none failing.
            let summary = try #require(run.output.firstMatch(of: /(\d+) checks, (\d+) failed; \d+ requests, (\d+) operations reached, (\d+) with a success/))
            #expect(Int(summary.2) == 0)
            #expect((Int(summary.3) ?? 0) >= 237, "operations reached: \(summary.3)")
            #expect((Int(summary.4) ?? 0) >= 225, "operations with a success: \(summary.4)")
            let coverage = try #require(run.output.firstMatch(of: /249 operations in the spec, (\d+) of them in this SDK; reached: (\d+)/))
            #expect(coverage.1 == coverage.2, "\(run.output)")
        }
    }
}

enum PythonSDK {
    static let required = ProcessInfo.processInfo.environment["CLERK_REQUIRE_PYTHON_SDK"].map { !$0.isEmpty && $0 != "0" } ?? false
    static let installed: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import clerk_backend_api, yaml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }()
    static var shouldRun: Bool { required || installed }
    static let skipMessage: Comment = "Clerk's Python SDK is not installed (pip install clerk-backend-api==7.0.0 pyyaml); skipped"

    /// The package's root, from this file's path (Tests/ClerkEmulatorTests/<file>).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `python3` with `arguments`; standard output and error together. The blocking read and the wait happen on
    /// Dispatch threads, never on the cooperative pool, which the in-process emulator needs to answer the script.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        // It stops by itself: a script still running after five minutes is ended (and the test fails).
        DispatchQueue.global().asyncAfter(deadline: .now() + 300) { if process.isRunning { process.terminate() } }
        let output = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
        }
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        return (status, String(decoding: output, as: UTF8.self))
    }
}
