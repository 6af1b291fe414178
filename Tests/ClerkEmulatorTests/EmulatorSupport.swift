import ClerkBackend
import ClerkEmulator
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import HTTPTypes
import NIOHTTP1
import Synchronization
import Testing

/// Runs `body` with an in-memory emulator on a free loopback port and a client pointed at it. Every answer is checked
/// against the spec by `conformance` (a new recorder unless the test wants to read it afterwards).
func withEmulator<T>(
    databasePath: String? = nil, conformance: ConformanceRecorder = ConformanceRecorder(),
    _ body: (RunningEmulator, ClerkClient) async throws -> T
) async throws -> T {
    var options = EmulatorOptions(port: 0, databasePath: databasePath, passwordRounds: 1_000)
    options.responseObserver = conformance.observe
    let emulator = try await ClerkEmulator.start(options)
    do {
        let client = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
        let result = try await body(emulator, client)
        await emulator.stop()
        conformance.expectConformance()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// A raw HTTP request to the emulator (for what the SDK never sends: wrong keys, odd hosts, hostile queries).
func rawRequest(
    _ emulator: RunningEmulator, _ method: String, _ pathAndQuery: String, key: String?, host: String? = nil,
    body: String? = nil, contentType: String = "application/json"
) async throws -> (status: Int, json: JSONValue?) {
    var request = HTTPClientRequest(url: emulator.apiURL.absoluteString + pathAndQuery)
    request.method = HTTPMethod(rawValue: method)
    if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    if let host { request.headers.add(name: "Host", value: host) }
    if let body {
        request.body = .bytes(ByteBuffer(string: body))
        request.headers.add(name: "Content-Type", value: contentType)
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
    return (Int(response.status.code), try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)))
}

/// Checks every answer the emulator gives against the spec's schema of its operation (``SpecValidator``): status
/// documented, type, nullable, required, enum, properties, items, additionalProperties, allOf/oneOf/anyOf.
final class ConformanceRecorder: Sendable {
    private let state = Mutex<(checked: Int, problems: [String], operations: Set<String>)>((0, [], []))

    var observe: @Sendable (String, Int, Data) -> Void {
        { [self] operationID, status, body in
            let problems: [String]
            switch SpecValidator.shared {
            case .success(let validator): problems = validator.problems(operationID: operationID, status: status, body: body)
            case .failure(let error): problems = ["the spec could not be loaded: \(error)"]
            }
            state.withLock { $0.checked += 1; $0.problems += problems; $0.operations.insert(operationID) }
            ConformanceRecorder.coverage.record(operationID: operationID, status: status)
        }
    }

    /// With `CLERK_CONFORMANCE_LOG=<file>`, every checked answer appends `<operationID> <status>` to the file: which
    /// operations the suite exercises under the check, and with which statuses.
    static let coverage = CoverageLog(path: ProcessInfo.processInfo.environment["CLERK_CONFORMANCE_LOG"])

    final class CoverageLog: Sendable {
        private let handle: Mutex<FileHandle?>

        init(path: String?) {
            var handle: FileHandle?
            if let path, FileManager.default.createFile(atPath: path, contents: nil) { handle = FileHandle(forWritingAtPath: path) }
            self.handle = Mutex(handle)
        }

        func record(operationID: String, status: Int) {
            handle.withLock { $0?.write(Data("\(operationID) \(status)\n".utf8)) }
        }
    }

    var checked: Int { state.withLock { $0.checked } }
    /// The operations that have answered under the check.
    var operations: Set<String> { state.withLock { $0.operations } }

    func expectConformance(sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = state.withLock { $0.problems }
        #expect(problems.isEmpty, "answers that do not match the spec: \(problems.prefix(10))", sourceLocation: sourceLocation)
    }
}

extension ClerkAPIResponseError {
    var firstCode: String? { errors.first?.code.rawValue }
}
