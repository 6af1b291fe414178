import ClerkBackend
import ClerkEmulator
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// Runs `body` with an in-memory emulator on a free loopback port and a client pointed at it.
func withEmulator<T>(
    databasePath: String? = nil, _ body: (RunningEmulator, ClerkClient) async throws -> T
) async throws -> T {
    let emulator = try await ClerkEmulator.start(
        EmulatorOptions(port: 0, databasePath: databasePath, passwordRounds: 1_000)
    )
    do {
        let client = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiUrl: emulator.apiURL))
        let result = try await body(emulator, client)
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// A raw HTTP request to the emulator (for what the SDK never sends: wrong keys, odd hosts, hostile queries).
func rawRequest(
    _ emulator: RunningEmulator, _ method: String, _ pathAndQuery: String, key: String?, host: String? = nil,
    body: String? = nil
) async throws -> (status: Int, json: JSONValue?) {
    var request = HTTPClientRequest(url: emulator.apiURL + pathAndQuery)
    request.method = HTTPMethod(rawValue: method)
    if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    if let host { request.headers.add(name: "Host", value: host) }
    if let body {
        request.body = .bytes(ByteBuffer(string: body))
        request.headers.add(name: "Content-Type", value: "application/json")
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
    return (Int(response.status.code), try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)))
}

extension ClerkAPIResponseError {
    var firstCode: String? { errors.first?.code.rawValue }
}
