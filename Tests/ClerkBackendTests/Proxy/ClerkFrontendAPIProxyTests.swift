import ClerkBackend
import ClerkTesting
import Foundation
import HTTPTypes
import NIOCore
import Synchronization
import Testing

/// The Frontend API proxy against a loopback stand-in for the Frontend API (the emulator's is used by the
/// integrations' tests).
@Suite("ClerkFrontendAPIProxy: forwards /__clerk/* to the instance's Frontend API, and nowhere else")
struct ClerkFrontendAPIProxyTests {
    let secretKey = uniqueSecretKey()

    func proxy(_ server: LoopbackHTTPServer, trusted: TrustedProxies = .none, maxBody: Int = 10 << 20) throws -> ClerkFrontendAPIProxy {
        let client = try ClerkClient(options: ClerkOptions(secretKey: Secret(secretKey), publishableKey: AuthKeys.pkLive))
        return try ClerkFrontendAPIProxy(
            client: client, frontendAPIURL: server.baseURL, trustedProxies: trusted, maxRequestBodyBytes: maxBody
        )
    }

    func bytes(_ response: ClerkFrontendAPIProxy.Response) async throws -> [UInt8] {
        if let error = response.errorBody { return Array(error) }
        var result: [UInt8] = []
        for try await chunk in try #require(response.body) { result += chunk.readableBytesView }
        return result
    }

    static let empty = AsyncStream<ByteBuffer> { $0.finish() }

    @Test("Path and query go to the Frontend API with Clerk's proxy headers; the client cannot set them; hop-by-hop headers are dropped")
    func headers() async throws {
        try await withServer({ _ in .json(#"{"object":"client"}"#) }) { server in
            let proxy = try proxy(server)
            let request = ClerkRequest(
                method: .get, url: "https://app.example.test/__clerk/v1/client?_clerk_js_version=5.0.0",
                headers: [
                    ("Host", "app.example.test"), ("Cookie", "__client=abc"), ("X-Custom", "kept"),
                    ("Clerk-Secret-Key", "sk_test_attacker"), ("Clerk-Proxy-Url", "https://evil.example"),
                    ("X-Forwarded-For", "6.6.6.6"), ("Keep-Alive", "timeout=5"), ("Proxy-Authorization", "Basic x"),
                ],
                remoteAddress: "203.0.113.9"
            )
            let response = await proxy.forward(request, body: Self.empty)
            #expect(response.status == .ok)
            #expect(String(decoding: try await bytes(response), as: UTF8.self) == #"{"object":"client"}"#)
            let seen = try #require(server.requests.first)
            #expect(seen.uri == "/v1/client?_clerk_js_version=5.0.0")
            #expect(seen.headerFields[values: HTTPField.Name("clerk-secret-key")!] == [secretKey])
            #expect(seen.headerFields[values: HTTPField.Name("clerk-proxy-url")!] == ["https://app.example.test/__clerk"])
            #expect(seen.headerFields[values: HTTPField.Name("x-forwarded-for")!] == ["203.0.113.9"])
            #expect(seen.headerFields.first(name: "x-forwarded-host") == "app.example.test")
            #expect(seen.headerFields.first(name: "x-forwarded-proto") == "https")
            #expect(seen.headerFields.first(name: "cookie") == "__client=abc")
            #expect(seen.headerFields.first(name: "x-custom") == "kept")
            #expect(seen.headerFields.first(name: "keep-alive") == nil && seen.headerFields.first(name: "proxy-authorization") == nil)
            #expect(seen.headerFields.first(name: "host") == proxy.frontendAPIHost)
        }
    }

    @Test("X-Forwarded-For is the request's own first entry only when the peer is a trusted proxy")
    func trustedForwardedFor() async throws {
        try await withServer({ _ in .json("{}") }) { server in
            let proxy = try proxy(server, trusted: .addresses(["10.0.0.0/8"]))
            let request = ClerkRequest(
                method: .get, url: "https://app.example.test/__clerk/v1/environment",
                headers: [("X-Forwarded-For", "198.51.100.7, 10.0.0.1")], remoteAddress: "10.0.0.1"
            )
            _ = try await bytes(await proxy.forward(request, body: Self.empty))
            #expect(server.requests.last?.headerFields.first(name: "x-forwarded-for") == "198.51.100.7")
        }
    }

    @Test("Not an open proxy: other paths are refused, and no path can reach another host")
    func noOpenProxy() async throws {
        try await withServer({ _ in .json("{}") }) { server in
            let proxy = try proxy(server)
            for url in ["https://app.example.test/other", "https://app.example.test/__clerkish/v1/client"] {
                let response = await proxy.forward(ClerkRequest(url: url, headers: []), body: Self.empty)
                #expect(response.status == .badRequest)
                #expect(String(decoding: try await bytes(response), as: UTF8.self).contains("proxy_path_mismatch"))
            }
            #expect(server.requests.isEmpty)
            for url in ["https://app.example.test/__clerk//evil.example/steal", "https://app.example.test/__clerk/@evil.example/x"] {
                _ = try await bytes(await proxy.forward(ClerkRequest(url: url, headers: []), body: Self.empty))
            }
            #expect(server.requests.map(\.path) == ["//evil.example/steal", "/@evil.example/x"], "both stay paths of the Frontend API")
            #expect(proxy.matches(path: "/__clerk") && proxy.matches(path: "/__clerk/v1") && !proxy.matches(path: "/__clerkx"))
        }
    }

    @Test("Bodies stream both ways; a body past the limit is 413; a redirect to the Frontend API comes back through the proxy")
    func bodiesAndRedirects() async throws {
        try await withServer({ request in
            if request.path == "/redirect" {
                return ClerkHTTPResponse(status: .found, headerFields: [.location: "/v1/next?step=2"])
            }
            if request.path == "/away" {
                return ClerkHTTPResponse(status: .found, headerFields: [.location: "https://accounts.example.test/sign-in"])
            }
            return ClerkHTTPResponse(status: .created, body: Data(request.body.reversed()))
        }) { server in
            let proxy = try proxy(server, maxBody: 300_000)
            let payload = (0..<250_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let chunks = AsyncStream<ByteBuffer> { continuation in
                for start in stride(from: 0, to: payload.count, by: 16_384) {
                    continuation.yield(ByteBuffer(bytes: payload[start..<min(start + 16_384, payload.count)]))
                }
                continuation.finish()
            }
            let post = ClerkRequest(method: .post, url: "https://app.example.test/__clerk/v1/client/sign_ins", headers: [("Content-Type", "application/octet-stream")])
            let echoed = await proxy.forward(post, body: chunks)
            #expect(echoed.status == .created)
            #expect(try await bytes(echoed) == payload.reversed())

            let big = AsyncStream<ByteBuffer> { continuation in
                for _ in 0..<40 { continuation.yield(ByteBuffer(bytes: [UInt8](repeating: 7, count: 10_000))) }
                continuation.finish()
            }
            let before = server.requests.count
            #expect(await proxy.forward(post, body: big).status == .contentTooLarge)
            let declared = ClerkRequest(method: .post, url: post.url, headers: [("Content-Length", "400000")])
            #expect(await proxy.forward(declared, body: Self.empty).status == .contentTooLarge)
            #expect(server.requests.count <= before + 1, "a declared oversize body never reaches the Frontend API")

            let redirect = await proxy.forward(ClerkRequest(url: "https://app.example.test/__clerk/redirect", headers: []), body: Self.empty)
            #expect(redirect.status == .found)
            #expect(redirect.headerFields[.location] == "https://app.example.test/__clerk/v1/next?step=2")
            let away = await proxy.forward(ClerkRequest(url: "https://app.example.test/__clerk/away", headers: []), body: Self.empty)
            #expect(away.headerFields[.location] == "https://accounts.example.test/sign-in")
        }
    }

    @Test("An unreachable Frontend API is 502; missing keys and bad paths are configuration errors")
    func failures() async throws {
        let client = try ClerkClient(options: ClerkOptions(secretKey: Secret(secretKey), publishableKey: AuthKeys.pkLive))
        let stopped = try await LoopbackHTTPServer.start { _ in .json("{}") }
        let closedURL = stopped.baseURL
        try await stopped.shutdown()
        let closed = try ClerkFrontendAPIProxy(client: client, frontendAPIURL: closedURL)
        let response = await closed.forward(ClerkRequest(url: "https://app.example.test/__clerk/v1/client", headers: []), body: Self.empty)
        #expect(response.status == .badGateway)
        #expect(String(decoding: response.errorBody ?? Data(), as: UTF8.self).contains("proxy_request_failed"))
        #expect(throws: ClerkError.self) { _ = try ClerkFrontendAPIProxy(client: try ClerkClient(options: ClerkOptions(publishableKey: AuthKeys.pkLive))) }
        #expect(throws: ClerkError.self) { _ = try ClerkFrontendAPIProxy(client: try ClerkClient(options: ClerkOptions(secretKey: Secret(secretKey)))) }
        #expect(throws: ClerkError.self) { _ = try ClerkFrontendAPIProxy(client: client, path: "__clerk/../x") }
        // Clerk's hosts: instances go to the shared Frontend API; an emulator's key to loopback with its own Host.
        let clerkHosted = try ClerkFrontendAPIProxy(client: client)
        #expect(clerkHosted.frontendAPIURL.absoluteString == "https://frontend-api.clerk.dev")
    }
}
