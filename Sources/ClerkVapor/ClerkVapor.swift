// ClerkVapor: Clerk authentication for Vapor 4, built on ClerkBackend.
//
// ```swift
// import ClerkVapor
// import Vapor
//
// func configure(_ app: Application) async throws {
//     try app.clerk.configureFromEnvironment()          // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, …
//     app.middleware.use(ClerkMiddleware())               // req.clerk.auth on every request
//
//     let signedIn = app.grouped(ClerkGuardMiddleware.requireAuth())
//     signedIn.get("me") { req async throws -> String in
//         req.clerk.auth.userID ?? ""
//     }
//     app.clerkWebhook("webhooks", "clerk") { req, event in
//         req.logger.info("Clerk event \(event.type.rawValue)")
//         return HTTPStatus.ok
//     }
// }
// ```

@_exported import ClerkBackend

/// Version information of the ClerkVapor integration.
public enum ClerkVaporVersion {
    /// The integration's version, sent in the `User-Agent` of Backend API calls (as `clerk-vapor/<version>`).
    public static let version = "0.1.0"
    /// The SDK metadata set on clients configured through `app.clerk`, unless the options already carry some.
    public static let sdkMetadata = SDKMetadata(name: "clerk-vapor", version: version)
}
