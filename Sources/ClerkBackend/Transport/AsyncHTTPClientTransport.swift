#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import AsyncHTTPClient
import NIOCore
package import HTTPTypes
package import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOHTTPCompression

/// The default transport: AsyncHTTPClient.
///
/// Backend API calls must never follow redirects (a redirect could carry the secret key, or the request, somewhere
/// else). `HTTPClient.shared` follows up to 20 redirects, so by default this transport uses ``defaultHTTPClient``:
/// one process-wide client on the shared event loop group, configured like `HTTPClient.shared` but with redirects
/// disabled. It is never shut down, so you do not need to manage it.
///
/// You may inject your own `HTTPClient` (for example Vapor's `app.http.client.shared`) to share its connection
/// pool. If that client follows redirects, a redirected response is refused with
/// ``ClerkTransportError/Kind/redirectRefused`` — configure it with `redirectConfiguration: .disallow` to stop the
/// redirected request from being sent at all.
public struct AsyncHTTPClientTransport: ClerkHTTPTransport {
    /// The client requests go through.
    public let client: HTTPClient
    /// The largest response body accepted, in bytes (default 50 MiB).
    public var maxResponseBytes: Int

    /// A transport over `client` (the process-wide shared client by default), refusing bodies above `maxResponseBytes`.
    public init(client: HTTPClient = AsyncHTTPClientTransport.defaultHTTPClient, maxResponseBytes: Int = 50 << 20) {
        self.client = client
        self.maxResponseBytes = maxResponseBytes
    }

    /// The process-wide client used when none is injected: redirects disabled, 10 s connect timeout,
    /// decompression on, never shut down.
    public static var defaultHTTPClient: HTTPClient { sharedNoRedirectClient }

    /// Sends the request with AsyncHTTPClient, with the request's timeout as deadline.
    public func send(_ request: ClerkHTTPRequest) async throws -> ClerkHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        outgoing.headers = HTTPHeaders(request.headerFields)
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: .nanoseconds(request.timeout.nanoseconds))
        } catch let error as HTTPClientError {
            throw ClerkTransportError(mapping: error)
        } catch let error as ChannelError {
            throw ClerkTransportError(kind: .connectionFailed, underlying: error)
        } catch let error as IOError {
            throw ClerkTransportError(kind: .connectionFailed, underlying: error)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if String(describing: type(of: error)).contains("Connect") {
                throw ClerkTransportError(kind: .connectionFailed, underlying: error)
            }
            throw ClerkTransportError(kind: .other, underlying: error)
        }
        if response.history.count > 1 {
            throw ClerkTransportError(kind: .redirectRefused, message: "The server answered with a redirect; API calls do not follow redirects")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maxResponseBytes)
        } catch let error as HTTPClientError {
            throw ClerkTransportError(mapping: error)
        } catch let error as NIOTooManyBytesError {
            throw ClerkTransportError(kind: .responseTooLarge, underlying: error)
        } catch {
            throw ClerkTransportError(kind: .other, underlying: error)
        }
        return ClerkHTTPResponse(
            status: HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
            headerFields: HTTPFields(response.headers),
            body: Data(buffer.readableBytesView)
        )
    }
}

extension HTTPHeaders {
    /// NIO's headers from swift-http-types' fields, in order.
    package init(_ fields: HTTPFields) {
        self.init()
        self.reserveCapacity(fields.count)
        for field in fields {
            self.add(name: field.name.rawName, value: field.value)
        }
    }
}

extension HTTPFields {
    /// swift-http-types' fields from NIO's headers, in order; a header whose name is not a valid field name is
    /// left out.
    package init(_ headers: HTTPHeaders) {
        self.init()
        self.reserveCapacity(headers.count)
        for (name, value) in headers {
            if let name = HTTPField.Name(name) {
                self.append(HTTPField(name: name, value: value))
            }
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue &+ attoseconds / 1_000_000_000
    }
}

private let sharedNoRedirectClient: HTTPClient = {
    var configuration = HTTPClient.Configuration(
        certificateVerification: .fullVerification,
        redirectConfiguration: .disallow,
        timeout: .init(connect: .seconds(10), read: .seconds(90)),
        connectionPool: .seconds(600),
        proxy: nil,
        ignoreUncleanSSLShutdown: false,
        decompression: .enabled(limit: .ratio(25)),
        backgroundActivityLogger: nil
    )
    configuration.httpVersion = .automatic
    // The SDK retries with its own policy; AHC's own retrying of failed connects would hide failures for up to
    // the whole connect timeout.
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration,
        backgroundActivityLogger: ClerkOptions.disabledLogger
    )
}()
