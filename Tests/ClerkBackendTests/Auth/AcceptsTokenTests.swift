import ClerkBackend
import Testing

@Suite("AcceptsToken: which types an authentication accepted, and whether it can answer for another set")
struct AcceptsTokenTests {
    @Test("accepts(_:) for single types, lists and any")
    func accepts() {
        #expect(AcceptsToken.sessionToken.accepts(.sessionToken))
        #expect(!AcceptsToken.sessionToken.accepts(.apiKey))
        #expect(AcceptsToken.oneOf([.apiKey, .m2mToken]).accepts(.m2mToken))
        #expect(!AcceptsToken.oneOf([.apiKey, .m2mToken]).accepts(.oauthToken))
        #expect(AcceptsToken.any.accepts(nil) && !AcceptsToken.oneOf([.apiKey]).accepts(nil))
    }

    @Test("covers(_:): every type of the other set must be accepted; any covers all and only any covers any")
    func covers() {
        #expect(AcceptsToken.any.covers(.any))
        #expect(AcceptsToken.any.covers(.apiKey))
        #expect(!AcceptsToken.oneOf([.apiKey, .m2mToken, .oauthToken, .sessionToken]).covers(.any))
        #expect(AcceptsToken.sessionToken.covers(.sessionToken))
        #expect(!AcceptsToken.sessionToken.covers(.apiKey))
        #expect(AcceptsToken.oneOf([.apiKey, .m2mToken]).covers(.apiKey))
        #expect(AcceptsToken.oneOf([.apiKey, .m2mToken]).covers(.oneOf([.m2mToken, .apiKey])))
        #expect(!AcceptsToken.oneOf([.apiKey]).covers(.oneOf([.apiKey, .sessionToken])))
        #expect(AcceptsToken.sessionToken.covers(.oneOf([])))
    }
}
