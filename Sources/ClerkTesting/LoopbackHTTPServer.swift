public import Foundation
public import ClerkBackend
public import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for tests: it records every request and answers from a closure.
///
/// Use it to check what the SDK really sends over the wire, or to stand in for the Backend API:
///
/// ```swift
/// let server = try await LoopbackHTTPServer.start { request in
///     .json(#"{"object":"total_count","total_count":1}"#)
/// }
/// defer { Task { try await server.shutdown() } }
/// let clerk = try ClerkClient(options: ClerkOptions(secretKey: "sk_test_x", apiURL: server.baseURL))
/// ```
public final class LoopbackHTTPServer: Sendable {
    /// A request as the server received it.
    public struct Request: Sendable {
        /// The HTTP method.
        public var method: HTTPRequest.Method
        /// The raw request target: path and query exactly as sent (still percent-encoded).
        public var uri: String
        /// The request header fields.
        public var headerFields: HTTPFields
        /// The request body.
        public var body: Data
        /// When the request arrived (monotonic).
        public var receivedAt: ContinuousClock.Instant

        /// The path part of ``uri``.
        public var path: String { String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]) }
        /// The raw query string, if any.
        public var query: String? {
            let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            return parts.count > 1 ? String(parts[1]) : nil
        }
        /// Query parameters in order, percent-decoded.
        public var queryItems: [(name: String, value: String)] {
            guard let query, !query.isEmpty else { return [] }
            return query.split(separator: "&").map { pair in
                let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pieces[0]).removingPercentEncoding ?? String(pieces[0])
                let value = pieces.count > 1 ? (String(pieces[1]).removingPercentEncoding ?? String(pieces[1])) : ""
                return (name, value)
            }
        }
        /// The body parsed as JSON, if it is JSON.
        public var jsonBody: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: body) }
    }

    /// Answers one request (throw ``DropConnection`` to close the connection instead).
    public typealias Handler = @Sendable (Request) async throws -> ClerkHTTPResponse

    private let channel: any Channel
    private let recorded: Mutex<[Request]>
    /// The port the server listens on.
    public let port: Int

    /// `http://127.0.0.1:<port>`: pass it as `apiURL`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Every request received so far, in order.
    public var requests: [Request] { recorded.withLock { $0 } }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.recorded = Mutex([])
        self.port = port
    }

    /// Starts a server on 127.0.0.1 with an OS-chosen port.
    public static func start(handler: @escaping Handler) async throws -> LoopbackHTTPServer {
        let box = RecorderBox()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RequestHandler(handler: handler, box: box))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        let server = LoopbackHTTPServer(channel: channel, port: port)
        box.server.withLock { $0 = server }
        return server
    }

    fileprivate func record(_ request: Request) {
        recorded.withLock { $0.append(request) }
    }

    /// Stops listening.
    public func shutdown() async throws {
        try await channel.close()
    }
}

private final class RecorderBox: Sendable {
    let server = Mutex<LoopbackHTTPServer?>(nil)
}

private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let handler: LoopbackHTTPServer.Handler
    let box: RecorderBox
    var head: HTTPRequestHead?
    var body = Data()

    init(handler: @escaping LoopbackHTTPServer.Handler, box: RecorderBox) {
        self.handler = handler
        self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = Data()
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            let request = LoopbackHTTPServer.Request(
                method: HTTPRequest.Method(head.method.rawValue) ?? .get, uri: head.uri, headerFields: HTTPFields(head.headers),
                body: body,
                receivedAt: .now
            )
            box.server.withLock { $0 }?.record(request)
            let keepAlive = head.isKeepAlive
            let version = head.version
            let handler = self.handler
            let loop = context.eventLoop
            let promise = loop.makePromise(of: ClerkHTTPResponse.self)
            promise.completeWithTask {
                do {
                    return try await handler(request)
                } catch is DropConnection {
                    throw DropConnection()
                } catch {
                    return .json(status: 500, #"{"errors":[{"code":"test_server_error","message":"handler threw"}]}"#)
                }
            }
            let boundContext = NIOLoopBound(context, eventLoop: loop)
            let handlerRef = NIOLoopBound(self, eventLoop: loop)
            promise.futureResult.whenComplete { result in
                switch result {
                case .success(let response):
                    handlerRef.value.write(response, version: version, keepAlive: keepAlive, context: boundContext.value)
                case .failure:
                    boundContext.value.close(promise: nil)
                }
            }
        }
    }

    func write(_ response: ClerkHTTPResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headerFields)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: response.status.code), headers: headers
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { bound.value.close(promise: nil) }
        }
    }
}

/// Throw this from a ``LoopbackHTTPServer`` handler to close the connection without answering
/// (the client sees a connection failure).
public struct DropConnection: Error, Sendable {
    /// The error to throw.
    public init() {}
}
