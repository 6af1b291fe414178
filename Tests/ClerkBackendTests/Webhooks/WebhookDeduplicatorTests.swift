import ClerkBackend
import HTTPTypes
import Testing

@Suite("InMemoryWebhookDeduplicator: one implementation for both integrations")
struct WebhookDeduplicatorTests {
    @Test("A claimed id is refused until released; a released id is claimed again")
    func claimAndRelease() async throws {
        let deduplicator = InMemoryWebhookDeduplicator()
        #expect(try await deduplicator.claim("msg_1"))
        #expect(try await !deduplicator.claim("msg_1"))
        #expect(deduplicator.contains("msg_1"))
        await deduplicator.release("msg_1")
        #expect(!deduplicator.contains("msg_1"))
        #expect(try await deduplicator.claim("msg_1"))
    }

    @Test("Beyond its capacity the oldest claim is forgotten (a released and re-claimed id counts from its new claim)")
    func capacity() async throws {
        let deduplicator = InMemoryWebhookDeduplicator(capacity: 2)
        #expect(try await deduplicator.claim("a"))
        await deduplicator.release("a")
        #expect(try await deduplicator.claim("b"))
        #expect(try await deduplicator.claim("a"))
        #expect(try await deduplicator.claim("c"))
        #expect(!deduplicator.contains("b") && deduplicator.contains("a") && deduplicator.contains("c"))
        for index in 0..<5_000 { _ = try await deduplicator.claim("m\(index)") }
        #expect(deduplicator.contains("m4999") && deduplicator.contains("m4998") && !deduplicator.contains("m4997"))
    }

    @Test("handleOnce: runs a new message, skips a handled one, releases on a throw or a failed result")
    func handleOnce() async throws {
        struct Failure: Error {}
        let deduplicator = InMemoryWebhookDeduplicator()
        let event = WebhookEvent(type: .userCreated, data: .other(.null), rawData: .null, messageID: "msg_1")
        #expect(try await deduplicator.handleOnce(event, succeeded: { $0 < 300 }) { 503 } == 503)
        #expect(!deduplicator.contains("msg_1"), "a failed answer releases the id")
        await #expect(throws: Failure.self) { try await deduplicator.handleOnce(event) { throw Failure() } }
        #expect(!deduplicator.contains("msg_1"), "a throw releases the id")
        #expect(try await deduplicator.handleOnce(event) { 200 } == 200)
        var ran = false
        #expect(try await deduplicator.handleOnce(event) { ran = true; return 200 } == nil)
        #expect(!ran)
    }

    @Test("An id is remembered for the retention only")
    func retention() async throws {
        let deduplicator = InMemoryWebhookDeduplicator(retention: .milliseconds(50))
        #expect(try await deduplicator.claim("msg_1"))
        try await Task.sleep(for: .milliseconds(120))
        #expect(!deduplicator.contains("msg_1"))
        #expect(try await deduplicator.claim("msg_1"))
    }

    @Test("A page load is Sec-Fetch-Dest document or iframe, else an Accept that starts with text/html", arguments: [
        ("document", nil, true), ("Iframe", nil, true), ("empty", "text/html", false), (nil, "text/html,application/xhtml+xml", true),
        (nil, "application/json, text/html", false), (nil, nil, false),
    ] as [(String?, String?, Bool)])
    func documentRequests(_ destination: String?, _ accept: String?, _ expected: Bool) {
        #expect(ClerkRequest.isDocumentRequest(secFetchDest: destination, accept: accept) == expected)
    }
}
