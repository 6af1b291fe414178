import BenchmarkFixtures
import Crypto
import _CryptoExtras
import ClerkBackend
import ClerkHummingbird
import ClerkVapor
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore
import Vapor

// The protected and open routes of the integration benchmarks, shared by IntegrationBenchmarks and clerk-profile
// (which interleaves them with verifyToken in one process).

// MARK: Vapor

/// A Vapor app with `/open` (no Clerk) and `/protected` (ClerkMiddleware + ClerkGuardMiddleware), dispatched
/// straight to its responder.
/// An `AsyncMiddleware` that does nothing: the cost of a task and two event-loop hops, for comparison.
struct NoOpAsyncMiddleware: AsyncMiddleware {
    func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        try await next.respond(to: request)
    }
}

/// Experiments: a task started with `Task.immediate` that does nothing, `authenticateRequest` on a prepared request in
/// such a task, and the request conversion alone.
struct ImmediateNoOpMiddleware: Vapor.Middleware {
    func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
        let promise = request.eventLoop.makePromise(of: Void.self)
        Task.immediate { promise.succeed(()) }
        return promise.futureResult.flatMap { next.respond(to: request) }
    }
}

struct AuthenticateOnlyMiddleware: Vapor.Middleware {
    func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
        let promise = request.eventLoop.makePromise(of: RequestState.self)
        Task.immediate {
            do { promise.succeed(try await Fixture.client.authenticateRequest(Fixture.headerRequest)) } catch { promise.fail(error) }
        }
        return promise.futureResult.flatMap { _ in next.respond(to: request) }
    }
}

struct VerifyOnlyMiddleware: Vapor.Middleware {
    let times: Int
    func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
        let promise = request.eventLoop.makePromise(of: Void.self)
        let times = self.times
        Task.immediate {
            do {
                for _ in 0..<times { withExtendedLifetime(try await Fixture.client.verifyToken(Fixture.token)) {} }
                promise.succeed(())
            } catch { promise.fail(error) }
        }
        return promise.futureResult.flatMap { _ in next.respond(to: request) }
    }
}

struct RawRSAMiddleware: Vapor.Middleware {
    func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
        let valid = Fixture.publicKey.isValidSignature(
            Fixture.signature, for: SHA256.hash(data: Fixture.signingInput), padding: .insecurePKCS1v1_5
        )
        guard valid else { return request.eventLoop.makeFailedFuture(Abort(.unauthorized)) }
        return next.respond(to: request)
    }
}

/// The floor of a hand-written Vapor middleware: the bearer token decoded (`decodeJWT`), its RS256 signature checked
/// with the known key, the subject stored; synchronous, no claim checks, no request conversion.
struct FloorMiddleware: Vapor.Middleware {
    struct Key: StorageKey { typealias Value = String }
    func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
        // Vapor's `bearerAuthorization` splits the header by Character (about 15 µs for a 1 KB token): not the floor.
        guard let header = request.headers.first(name: .authorization), header.hasPrefix("Bearer "),
            case let token = String(header.utf8.dropFirst(7))!, let decoded = try? decodeJWT(token),
            let signature = try? _RSA.Signing.RSASignature(rawRepresentation: decoded.signature),
            let dot = token.utf8.lastIndex(of: UInt8(ascii: ".")),
            Fixture.publicKey.isValidSignature(signature, for: SHA256.hash(data: Data(token.utf8[..<dot])), padding: .insecurePKCS1v1_5),
            let subject = decoded.claims.sub
        else { return request.eventLoop.makeFailedFuture(Abort(.unauthorized)) }
        request.storage[Key.self] = subject
        return next.respond(to: request)
    }
}

struct ConvertOnlyMiddleware: Vapor.Middleware {
    func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
        do {
            let converted = try ClerkRequest(vapor: request)
            withExtendedLifetime(converted) {}
        } catch { return request.eventLoop.makeFailedFuture(error) }
        return next.respond(to: request)
    }
}

public enum VaporFixture {
    /// Built by the benchmarks' `setup` hook (async: no blocking wait on the cooperative pool).
    nonisolated(unsafe) public static var app: Vapor.Application!
    /// The application's responder, built once as Vapor's server builds it at start (`app.responder` builds a new
    /// one, routing trie included, on every access).
    nonisolated(unsafe) static var responder: (any Vapor.Responder)!

    public static func setUp() async throws {
        guard app == nil else { return }
        let app = try await Vapor.Application.make(.testing)
        app.logger.logLevel = .critical
        // No per-request log line (Vapor's default route logging writes one at `info`): the figure is the work of a
        // request, not of a terminal.
        app.middleware = Middlewares()
        app.middleware.use(ErrorMiddleware.default(environment: app.environment))
        try app.clerk.configure(
            options: ClerkOptions(
                secretKey: "sk_live_bench-not-a-real-key", jwtKey: Fixture.issuer.publicKeyPEM,
                publishableKey: Fixture.publishableKey, authorizedParties: ["https://app.example.test"]
            )
        )
        app.get("open", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        app.grouped(ClerkMiddleware(), ClerkGuardMiddleware()).get("protected", "me") { request in
            request.clerk.auth.userID ?? ""
        }
        // The parts of the protected route, for profiling: the middleware alone, and a plain async middleware.
        app.grouped(ClerkMiddleware()).get("middleware-only", "me") { request in request.clerk.auth.userID ?? "" }
        app.grouped(NoOpAsyncMiddleware()).get("async-noop", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        app.grouped(ImmediateNoOpMiddleware()).get("immediate-noop", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        app.grouped(AuthenticateOnlyMiddleware()).get("authenticate-only", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        app.grouped(VerifyOnlyMiddleware(times: 1)).get("verify-only", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        app.grouped(VerifyOnlyMiddleware(times: 2)).get("verify-twice", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        app.grouped(RawRSAMiddleware()).get("raw-rsa", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        app.grouped(FloorMiddleware()).get("floor", "me") { request in request.storage[FloorMiddleware.Key.self] ?? "" }
        app.grouped(ConvertOnlyMiddleware()).get("convert-only", "me") { _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        try await app.asyncBoot()
        self.responder = app.responder.current
        self.app = app
    }

    public static func request(_ path: String) -> Vapor.Request {
        Vapor.Request(
            application: app, method: .GET, url: URI(path: path),
            headers: ["Host": "app.example.test", "Authorization": "Bearer \(Fixture.token)", "Accept": "application/json"],
            on: app.eventLoopGroup.any()
        )
    }

    /// Answers `count` requests one after the other on one event loop, as Vapor's server runs them (a request
    /// arrives on its event loop). One hop in and out per batch, not per request: the figure is the work per
    /// request, not the wake-up latency of two threads on a shared VM.
    public static func respond(_ path: String, count: Int) async throws {
        let eventLoop = app.eventLoopGroup.any()
        try await eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            var chain = eventLoop.makeSucceededVoidFuture()
            for _ in 0..<count {
                chain = chain.flatMap {
                    let request = Vapor.Request(
                        application: app, method: .GET, url: URI(path: path),
                        headers: [
                            "Host": "app.example.test", "Authorization": "Bearer \(Fixture.token)",
                            "Accept": "application/json",
                        ],
                        on: eventLoop
                    )
                    return responder.respond(to: request).flatMapThrowing { response in
                        guard response.status == .ok else { throw Abort(response.status) }
                    }
                }
            }
            return chain
        }.get()
    }
}

// MARK: Hummingbird

/// A request context that needs no channel (the responder is called directly).
public struct BenchmarkContextSource: RequestContextSource {
    public let logger: Logger
}

public struct BenchmarkContext: ClerkAuthRequestContext {
    public typealias Source = BenchmarkContextSource
    public var coreContext: CoreRequestContextStorage
    public var identity: ClerkAuth?
    public var clerkRequestState: RequestState?
    public init(source: BenchmarkContextSource) {
        coreContext = .init(source: source)
    }
}

/// A middleware that only calls the next one (the cost of a middleware layer in the route benchmarks).
public struct NoOpMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await next(request, context)
    }
}

/// Experiments: `verifyToken` alone, and `authenticateRequest` on a prepared request, as middlewares.
public struct VerifyOnlyHBMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        withExtendedLifetime(try await Fixture.client.verifyToken(Fixture.token)) {}
        return try await next(request, context)
    }
}

public struct AuthenticateOnlyHBMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        withExtendedLifetime(try await Fixture.client.authenticateRequest(Fixture.headerRequest)) {}
        return try await next(request, context)
    }
}

public enum HummingbirdFixture {
    public static let responder: RouterResponder<BenchmarkContext> = {
        let router = Router(context: BenchmarkContext.self)
        router.get("open/me") { _, _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        router.group("protected")
            .add(middleware: ClerkAuthenticator(client: Fixture.client))
            .add(middleware: ClerkIsAuthenticatedMiddleware())
            .get("me") { _, context in context.identity?.userID ?? "" }
        // The parts of the protected route, for profiling: the authenticator alone, and two do-nothing middlewares.
        router.group("authenticator-only")
            .add(middleware: ClerkAuthenticator(client: Fixture.client))
            .get("me") { _, context in context.identity?.userID ?? "" }
        router.group("verify-only").add(middleware: VerifyOnlyHBMiddleware())
            .get("me") { _, _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        router.group("authenticate-only").add(middleware: AuthenticateOnlyHBMiddleware())
            .get("me") { _, _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        router.group("noop")
            .add(middleware: NoOpMiddleware())
            .add(middleware: NoOpMiddleware())
            .get("me") { _, _ in "user_2NNEqL2nrIRdJ194ndJqAHwEfxC" }
        return router.buildResponder()
    }()
    public static let logger: Logger = {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        return logger
    }()

    public static func respond(_ path: String) async throws -> Hummingbird.Response {
        let head = HTTPRequest(
            method: .get, scheme: "http", authority: "app.example.test", path: path,
            headerFields: [.authorization: "Bearer \(Fixture.token)", .accept: "application/json"]
        )
        let request = Hummingbird.Request(head: head, body: .init(buffer: ByteBuffer()))
        return try await responder.respond(to: request, context: BenchmarkContext(source: .init(logger: logger)))
    }
}

