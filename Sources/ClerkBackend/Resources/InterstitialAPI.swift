#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClerkClient {
    /// The public interstitial page (`GET /public/interstitial`).
    public var interstitial: InterstitialAPI { InterstitialAPI(client: self) }
}

/// The public interstitial: the HTML page Clerk serves while it loads the browser SDK to refresh a session.
public struct InterstitialAPI: Sendable {
    let client: ClerkClient

    /// Fetches the interstitial page's HTML markup (`GET /public/interstitial`, `GetPublicInterstitial`).
    ///
    /// The endpoint is public: the API answers without a secret key, but the SDK sends its configured key anyway
    /// (it does no harm). It answers 400 when a required parameter is missing for the instance.
    public func getPublicInterstitial(
        _ query: GetPublicInterstitialQuery = GetPublicInterstitialQuery()
    ) async throws -> String {
        let response = try await client.sendRaw(APIRequest(.getPublicInterstitial, query: query.queryItems))
        return String(decoding: response.body, as: UTF8.self)
    }
}
