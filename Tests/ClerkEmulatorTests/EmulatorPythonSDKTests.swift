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
        try #require(PythonSDK.installed, "CLERK_REQUIRE_PYTHON_SDK is set but clerk-backend-api 7.0.0 (and PyYAML) is not installed: pip install clerk-backend-api==7.0.0")
        let root = PythonSDK.repositoryRoot
        // withEmulator's check of every answer against the spec, kept here to see which operations it saw.
        let conformance = ConformanceRecorder()
        try await withEmulator(conformance: conformance) { emulator, _ in
            let run = try await PythonSDK.run([
                root.appendingPathComponent("Scripts/python-sdk-check.py").path,
                "--url", emulator.apiURL.absoluteString,
                "--spec", root.appendingPathComponent("Tests/ClerkBackendTests/Fixtures/clerk-bapi-2026-05-12.yml").path,
            ], environment: ["CLERK_SECRET_KEY": emulator.secretKey])
            #expect(run.status == 0, "python-sdk-check failed:\n\(run.output)")
            // The script's own coverage line: every operation of this SDK version reached, none failing.
            let summary = try #require(run.output.firstMatch(of: /(\d+) checks, (\d+) failed; \d+ requests, (\d+) operations reached, (\d+) with a success/))
            #expect(Int(summary.2) == 0)
            #expect((Int(summary.3) ?? 0) >= 237, "operations reached: \(summary.3)")
            #expect((Int(summary.4) ?? 0) >= 227, "operations with a success: \(summary.4)")
            let coverage = try #require(run.output.firstMatch(of: /249 operations in the spec, (\d+) of them in this SDK; reached: (\d+)/))
            #expect(coverage.1 == coverage.2, "\(run.output)")

            // The twelve operations that SDK version lacks (the /directories family, billing discounts), sent here.
            let connection = try #require(try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name":"Directory IdP","provider":"saml_custom","domains":["directory.example.com"]}"#
            ).json?["id"]?.stringValue)
            let created = try await rawRequest(
                emulator, "POST", "/v1/directories", key: emulator.secretKey,
                body: #"{"enterprise_connection_id":"\#(connection)","provider":"okta"}"#
            )
            let directory = try #require(created.json?["id"]?.stringValue, "\(created.status)")
            let base = "/v1/directories/\(directory)"
            let user = try #require(try await rawRequest(
                emulator, "POST", "/v1/users", key: emulator.secretKey, body: #"{"email_address":["discounts@example.com"]}"#
            ).json?["id"]?.stringValue)
            let subscription = try await rawRequest(emulator, "GET", "/v1/users/\(user)/billing/subscription", key: emulator.secretKey)
            let item = try #require(subscription.json?["subscription_items"]?[0]?["id"]?.stringValue)
            for (method, path, body, status) in [
                ("GET", "/v1/directories", nil, 200), ("GET", base, nil, 200),
                ("PATCH", base, #"{"name":"Renamed","group_role_mapping_enabled":true}"#, 200),
                ("POST", "\(base)/rotate_api_key", nil, 200), ("GET", "\(base)/group_role_mappings", nil, 200),
                ("POST", "\(base)/group_role_mappings", #"{"directory_group_id":"grp-a","role_id":"org:member"}"#, 200),
                ("PUT", "\(base)/group_role_mappings", #"{"mappings":[{"directory_group_id":"grp-b","role_id":"org:admin"}]}"#, 200),
                ("DELETE", "\(base)/group_role_mappings/dgrm_none", nil, 404), ("DELETE", base, nil, 200),
                // No discount exists on an emulator: the documented 404.
                ("POST", "/v1/billing/subscription_items/\(item)/discounts", #"{"discount_id":"dsc_none"}"#, 404),
                ("DELETE", "/v1/billing/subscription_items/\(item)/discounts/dsc_none", nil, 404),
            ] as [(String, String, String?, Int)] {
                let answer = try await rawRequest(emulator, method, path, key: emulator.secretKey, body: body)
                #expect(answer.status == status, "\(method) \(path): \(answer.status)")
            }
            // Every operation of the spec answered in this one test, each answer checked against the spec.
            let missing = Set(Endpoint.all.map(\.operationID)).subtracting(conformance.operations)
            #expect(missing.isEmpty, "operations that never answered under the check: \(missing.sorted())")
        }
    }
}

enum PythonSDK {
    static let required = ProcessInfo.processInfo.environment["CLERK_REQUIRE_PYTHON_SDK"].map { !$0.isEmpty && $0 != "0" } ?? false
    static let installed: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The version the figures below were taken with (another one has other operations).
        process.arguments = [
            "python3", "-c",
            "import yaml, importlib.metadata as m, sys; sys.exit(m.version('clerk-backend-api') != '7.0.0')",
        ]
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
    static let skipMessage: Comment = "Clerk's Python SDK 7.0.0 is not installed (pip install clerk-backend-api==7.0.0 pyyaml); skipped"

    /// The package's root, from this file's path (Tests/ClerkEmulatorTests/<file>).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `python3` with `arguments`; standard output and error together. The blocking read and the wait happen on
    /// Dispatch threads, never on the cooperative pool, which the in-process emulator needs to answer the script.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
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
