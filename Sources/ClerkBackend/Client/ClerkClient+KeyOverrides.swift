import Crypto
import Synchronization

/// The clients a ``ClerkClient`` made for per-call key overrides (``AuthenticateRequestOptions/secretKey``,
/// ``AuthenticateRequestOptions/jwtKey``, ``AuthenticateRequestOptions/machineSecretKey``), one per combination of
/// keys, so that each instance's JWKS cache, machine-token answers and budgets live across calls instead of being
/// rebuilt per request. Bounded: past ``capacity`` combinations the oldest is dropped (its caches with it).
final class KeyOverrideClients: Sendable {
    static let capacity = 64

    private struct Table {
        var clients: [String: ClerkClient] = [:]
        var order: [String] = []
    }

    private let table = Mutex(Table())

    func client(for key: String, make: () throws -> ClerkClient) rethrows -> ClerkClient {
        if let existing = table.withLock({ $0.clients[key] }) { return existing }
        let made = try make()
        return table.withLock { table in
            if let existing = table.clients[key] { return existing }
            table.clients[key] = made
            table.order.append(key)
            if table.order.count > Self.capacity {
                table.clients[table.order.removeFirst()] = nil
            }
            return made
        }
    }

    var count: Int { table.withLock { $0.clients.count } }
}

extension ClerkClient {
    /// This client when the overrides change nothing; otherwise the client of the overridden keys, made on first use
    /// with this client's other options and kept. A client for the same secret key (same instance) shares this
    /// client's ``ClerkVerificationCache``; another secret key is another instance, with a cache of its own.
    ///
    /// - Throws: ``ClerkError`` when an overriding key is malformed (a secret key that is not `sk_…`, a `jwtKey` that is
    ///   not a PEM public key), before any request.
    func client(overridingSecretKey secretKey: Secret?, jwtKey: String?, machineSecretKey: Secret?) throws -> ClerkClient {
        let secret = secretKey ?? options.secretKey
        let jwt = jwtKey ?? options.jwtKey
        let machine = machineSecretKey ?? options.machineSecretKey
        if secret == options.secretKey, jwt == options.jwtKey, machine == options.machineSecretKey { return self }
        var material = [UInt8]()
        for part in [secret?.revealed, jwt, machine?.revealed] {
            material.append(part == nil ? 0 : 1)
            material += Array((part ?? "").utf8)
            material.append(0xFF)
        }
        let key = hexString(SHA256.hash(data: material))
        return try keyOverrideClients.client(for: key) {
            var derived = options
            derived.secretKey = secret
            derived.jwtKey = jwt
            derived.machineSecretKey = machine
            derived.verificationCache = secret == options.secretKey ? verificationCache : nil
            return try ClerkClient(options: derived)
        }
    }
}

extension VerifyTokenOptions {
    /// The options without their key overrides (for the client that already has those keys).
    var withoutKeyOverrides: VerifyTokenOptions {
        var options = self
        options.secretKey = nil
        options.jwtKey = nil
        return options
    }
}

extension AuthenticateRequestOptions {
    /// The options without their key overrides (for the client that already has those keys).
    var withoutKeyOverrides: AuthenticateRequestOptions {
        var options = self
        options.secretKey = nil
        options.jwtKey = nil
        options.machineSecretKey = nil
        return options
    }
}

extension ClerkClient {
    /// The client of `options`' key overrides, or `nil` when they change nothing (this client answers).
    func keyOverrideClient(_ options: VerifyTokenOptions) throws -> ClerkClient? {
        guard options.secretKey != nil || options.jwtKey != nil else { return nil }
        let client = try client(overridingSecretKey: options.secretKey, jwtKey: options.jwtKey, machineSecretKey: nil)
        return client === self ? nil : client
    }

    /// The client of `options`' key overrides, or `nil` when they change nothing (this client answers).
    func keyOverrideClient(_ options: AuthenticateRequestOptions) throws -> ClerkClient? {
        guard options.secretKey != nil || options.jwtKey != nil || options.machineSecretKey != nil else { return nil }
        let client = try client(
            overridingSecretKey: options.secretKey, jwtKey: options.jwtKey, machineSecretKey: options.machineSecretKey
        )
        return client === self ? nil : client
    }
}
