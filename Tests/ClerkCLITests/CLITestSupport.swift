import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// The result of one run of the `clerk` executable.
struct CLIRun {
    let status: Int32
    let stdout: String
    let stderr: String

    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(stdout.utf8)) }
}

enum CLI {
    /// The `clerk` executable built next to the test bundle.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(argv0.appendingPathComponent("clerk"))
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent("clerk"))
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent().appendingPathComponent("clerk")) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/clerk"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CLINotFound(paths: candidates.map(\.path))
        }
        return found
    }

    struct CLINotFound: Error, CustomStringConvertible {
        let paths: [String]
        var description: String { "clerk executable not found (build with `swift build --build-tests`); looked in \(paths)" }
    }

    /// Runs `clerk` with `arguments`, an environment of only `environment` (plus PATH), and `stdin`.
    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> CLIRun {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        // Blocking reads and the wait happen on Dispatch threads, never on the cooperative pool (which the
        // in-process emulator needs to answer the child).
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let stdinData = stdin.map { Data($0.utf8) }
        DispatchQueue.global().async {
            if let stdinData { input.fileHandleForWriting.write(stdinData) }
            try? input.fileHandleForWriting.close()
        }
        func readAll(_ pipe: Pipe) async -> Data {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
            }
        }
        async let stdoutData = readAll(out)
        async let stderrData = readAll(err)
        let (o, e) = await (stdoutData, stderrData)
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        return CLIRun(status: status, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// Runs `body` with an in-memory emulator and the environment that points `clerk` at it.
func withCLIEmulator<T>(_ body: (RunningEmulator, ClerkClient, [String: String]) async throws -> T) async throws -> T {
    let emulator = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 1_000))
    do {
        let client = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
        let environment = ["CLERK_SECRET_KEY": emulator.secretKey, "CLERK_API_URL": emulator.apiURL.absoluteString]
        let result = try await body(emulator, client, environment)
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
