import ClerkBackend
import Testing
@testable import ClerkVapor

@Suite("ClerkVapor: request target and Host validation")
struct ClerkRequestConversionTests {
    @Test("Request targets: origin form kept, absolute form reduced to path and query, fragments dropped, junk refused")
    func pathAndQuery() {
        #expect(ClerkRequest.pathAndQuery(of: "/a/b?x=1&y=%2F") == "/a/b?x=1&y=%2F")
        #expect(ClerkRequest.pathAndQuery(of: "//double") == "//double")
        #expect(ClerkRequest.pathAndQuery(of: "/page#frag") == "/page")
        #expect(ClerkRequest.pathAndQuery(of: "http://other.example/x?y=1") == "/x?y=1")
        #expect(ClerkRequest.pathAndQuery(of: "*") == "/")
        #expect(ClerkRequest.pathAndQuery(of: "/a b") == nil)
        #expect(ClerkRequest.pathAndQuery(of: "/a\r\nSet-Cookie: x=1") == nil)
        #expect(ClerkRequest.pathAndQuery(of: "/caf\u{e9}") == nil)
        #expect(ClerkRequest.pathAndQuery(of: "relative") == nil)
    }

    @Test("Host headers: hosts, ports and IPv6 literals pass; paths, credentials, spaces and bad ports do not")
    func hosts() {
        for good in ["app.example.test", "app.example.test:8443", "127.0.0.1:8080", "[::1]:8080", "localhost"] {
            #expect(ClerkRequest.validatedHost(good) == good, "\(good)")
        }
        for bad in ["", "evil.example/x", "user@evil.example", "evil.example?x", "a b", "evil.example:99999", "evil.example#x", "<script>"] {
            #expect(ClerkRequest.validatedHost(bad) == nil, "\(bad)")
        }
        #expect(ClerkRequest.origin(ofAbsoluteURL: "https://www.example.test/path") == "https://www.example.test")
        #expect(ClerkRequest.origin(ofAbsoluteURL: "http://[::1]:8080") == "http://[::1]:8080")
        #expect(ClerkRequest.origin(ofAbsoluteURL: "ftp://example.test") == nil)
        #expect(ClerkRequest.origin(ofAbsoluteURL: "https://user:pw@example.test") == nil)
        #expect(ClerkGuardMiddleware.percentEncode("http://a.test/p?x=1&y=2") == "http%3A%2F%2Fa.test%2Fp%3Fx%3D1%26y%3D2")
    }
}
