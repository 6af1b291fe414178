import ClerkBackend
import Crypto
import Foundation
import GRDB
import Logging
import Synchronization
import HTTPTypes

/// The instance's keys, created on first start and kept in the database, and the names derived from the port.
struct EmulatorKeys: Sendable {
    let secretKey: String
    let signer: EmulatorSigner
    /// The Frontend API host with the port the emulator listens on (`clerk.emulator.localhost:8787`): what the
    /// publishable key encodes, and the host of session tokens' `iss` (the SDK compares the two strings).
    var frontendHost: String
    /// The publishable key: `pk_test_` and the base64 of the frontend host and `$`.
    var publishableKey: String { "pk_test_" + Data((frontendHost + "$").utf8).base64EncodedString() }
    /// The `iss` of session tokens: plain http, since the emulator's Frontend API is served over http.
    var issuer: String { "http://" + frontendHost }
    /// The hosted pages' host (`accounts.emulator.localhost:8787`), derived as the SDK derives the Account Portal.
    var accountsHost: String { "accounts." + frontendHost.dropFirst("clerk.".count) }
}

typealias EmulatorHandler = @Sendable (EmulatorState, EmulatorRequest) async throws -> EmulatorResponse

/// Everything one emulator instance knows: its store, keys and the operation handlers.
final class EmulatorState: Sendable {
    let store: EmulatorStore
    private let keysBox: Mutex<EmulatorKeys>
    /// The keys and host names (the host names carry the port, known once the emulator listens).
    var keys: EmulatorKeys { keysBox.withLock { $0 } }
    let options: EmulatorOptions
    let routes = EmulatorRoutes()
    private let apiURL = Mutex<String>("")
    let handlers: [Endpoint: EmulatorHandler]
    /// Sends webhook events; `nil` without a webhook URL.
    let webhooks: WebhookDispatcher?
    /// Fault injection and latency for API requests.
    let faults: FaultInjector
    /// The key of the hosted pages' CSRF tokens (kept in the database, so forms survive a restart).
    let frontendKey: SymmetricKey
    /// The dashboard's one-time links and sessions.
    let dashboard = DashboardAccess()
    /// The most recent Backend API requests, for the dashboard.
    let requestLog = RequestLog()
    /// What a real instance would have done outside the emulator, for the dashboard.
    let effects = EffectLog()

    /// The frontend host every emulator's publishable key encodes: a `.localhost` name resolves to loopback.
    static let frontendHost = "clerk.emulator.localhost"

    init(store: EmulatorStore, options: EmulatorOptions) throws {
        self.store = store
        self.options = options
        let secretKey = try store.instanceValue("secret_key") { "sk_test_" + EmulatorIDs.random(length: 40) }
        let pem = try store.instanceValue("signing_key_pem") { try EmulatorSigner.newPrivateKeyPEM() }
        let kid = try store.instanceValue("signing_key_id") { "ins_" + EmulatorIDs.random(length: 27) }
        frontendKey = SymmetricKey(data: Data(try store.instanceValue("hosted_pages_key") { EmulatorIDs.random(length: 43) }.utf8))
        let host = Self.frontendHost + (options.port == 0 ? "" : ":\(options.port)")
        keysBox = Mutex(EmulatorKeys(
            secretKey: secretKey, signer: try EmulatorSigner(privateKeyPEM: pem, kid: kid),
            frontendHost: host
        ))
        let faultSettings = FaultSettings(rate: options.faultRate, statuses: options.faultStatuses, latency: options.latency)
        if let problem = faultSettings.problem { throw EmulatorStartError(message: "Fault injection: \(problem)") }
        faults = FaultInjector(faultSettings)
        // The instance id is the signing key's id (`ins_…`), as the `kid` of Clerk's JWKS is.
        webhooks = try WebhookEndpoint.resolve(options: options, store: store).map {
            WebhookDispatcher(endpoint: $0, instanceID: kid, store: store, logger: options.logger)
        }
        handlers = Self.makeHandlers()
        try seedOrganizationRoles()
    }

    /// The handler of every operation the emulator implements, by its ``Endpoint`` (the SDK's own constants).
    static func makeHandlers() -> [Endpoint: EmulatorHandler] {
        var table: [Endpoint: EmulatorHandler] = [:]
        registerUsers(&table)
        registerSessions(&table)
        registerOrganizations(&table)
        registerIdentifiers(&table)
        registerMisc(&table)
        registerMachines(&table)
        registerAccounts(&table)
        registerInstance(&table)
        registerOrganizationInvitations(&table)
        registerOrganizationRoles(&table)
        registerOrganizationDomains(&table)
        registerWaitlist(&table)
        registerUserSecurity(&table)
        registerInstanceExtras(&table)
        registerOAuthApplications(&table)
        registerSAMLConnections(&table)
        registerVerification(&table)
        registerInstanceBeta(&table)
        registerTemplates(&table)
        registerDirectories(&table)
        registerEnterpriseConnections(&table)
        registerRoleSets(&table)
        registerBilling(&table)
        registerFrontend(&table)
        return table
    }

    func setAPIURL(_ url: String) { apiURL.withLock { $0 = url } }

    /// Records something a real instance would have done outside the emulator (an email, an SMS, a charge, a call to
    /// a proxy or an identity provider): a log line, and an entry on the dashboard's Effects page. `details` must
    /// hold no secret (mask addresses with ``masked(_:)``).
    func recordEffect(_ text: String, metadata details: [String: String] = [:]) {
        var metadata = Logger.Metadata()
        for (key, value) in details { metadata[key] = .string(value) }
        options.logger.notice("\(text)", metadata: metadata)
        effects.record(text, details: details)
    }

    /// `http://host:port`, once the emulator listens.
    var apiURLString: String { apiURL.withLock { $0 } }

    /// Records the port the emulator listens on: the frontend host (and so the publishable key and `iss`) carries it.
    func setListeningPort(_ port: Int) {
        keysBox.withLock { $0.frontendHost = Self.frontendHost + ":\(port)" }
    }

    /// The operations the emulator implements (every other one answers 501).
    var implementedOperations: Set<String> { Set(handlers.keys.map(\.operationID)) }

    /// Host names the emulator answers to: loopback names, `*.localhost`, and the address it was bound to.
    func acceptsHost(_ authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        let name = host.lowercased()
        return name == "127.0.0.1" || name == "localhost" || name == "::1" || name.hasSuffix(".localhost")
            || name == options.host.lowercased()
    }

    func handle(
        method: String, path: String, query: String?, authorization: String?, contentType: String?, body: Data
    ) async throws -> EmulatorResponse {
        // Not a spec operation (the SDKs call it all the same): the directives behind a handshake nonce.
        if path == Self.handshakePayloadPath {
            return try await handshakePayload(method: method, query: query, authorization: authorization)
        }
        guard let (endpoint, parameters) = routes.match(method: method, path: path) else {
            throw EmulatorError(
                status: 404, code: "resource_not_found", message: "not found",
                longMessage: "No Backend API operation answers \(method) \(path.prefix(200))"
            )
        }
        // M2M-token operations also accept a machine's secret key; the spec's public operations (the interstitial)
        // need none; everything else needs the instance key.
        let machineID = try await machineCaller(operationID: endpoint.operationID, authorization: authorization)
        if machineID == nil, !RequestRules.publicOperations.contains(endpoint.operationID) { try authenticate(authorization) }
        guard let handler = handlers[endpoint] else {
            throw EmulatorError(
                status: 501, code: "not_implemented", message: "not implemented by the emulator",
                longMessage: "The Clerk emulator does not implement \(endpoint.operationID) (\(endpoint.method.rawValue) \(endpoint.path)). docs/emulator.md lists the operations it implements.",
                meta: ["operation_id": .string(endpoint.operationID)]
            )
        }
        let queryPairs = EmulatorRoutes.parseQuery(query)
        let request = EmulatorRequest(
            operationID: endpoint.operationID, method: method, pathParameters: parameters,
            query: queryPairs, body: body, contentType: contentType, machineID: machineID
        )
        // The spec's constraints on the path, the query and the body, then the operation.
        let run = { @Sendable () async throws -> EmulatorResponse in
            do {
                try RequestValidation.checkPath(endpoint, parameters)
                try RequestValidation.checkQuery(endpoint, queryPairs)
                try RequestValidation.check(endpoint, body: body)
                return try await handler(self, request)
            } catch var error as EmulatorError {
                // A refusal (400 or 422) answers the one of the two the operation documents, when it documents one.
                if error.status == 400 || error.status == 422, let documented = RequestRules.refusalStatusByOperation[endpoint.operationID] {
                    error.status = documented
                }
                throw error
            }
        }
        guard let observe = options.responseObserver else { return try await run() }
        do {
            let response = try await run()
            observe(endpoint.operationID, response.status, response.body)
            return response
        } catch let error as EmulatorError {
            if let response = try? error.response(traceID: "trace_observed") {
                observe(endpoint.operationID, response.status, response.body)
            }
            throw error
        }
    }

    func authenticate(_ authorization: String?) throws {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw EmulatorError(
                status: 401, code: "authorization_header_missing", message: "Authorization header missing",
                longMessage: "Send the instance secret key as `Authorization: Bearer sk_test_…`."
            )
        }
        let given = Data(authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Data(keys.secretKey.utf8)
        // Constant-time comparison of digests.
        guard SHA256.hash(data: given) == SHA256.hash(data: expected) else {
            throw EmulatorError(
                status: 401, code: "authentication_invalid", message: "Invalid authentication",
                longMessage: "Unable to authenticate the request, you need to supply an active API key"
            )
        }
    }

    // MARK: Shared helpers

    /// A list answer: `{data, total_count}`, or a bare array unless `paginated=true` for the bare-array endpoints.
    static func list(_ items: [JSONValue], total: Int, wrapped: Bool) throws -> EmulatorResponse {
        if wrapped {
            return try .json(["data": .array(items), "total_count": .int(Int64(total))])
        }
        return try .json(.array(items))
    }

    static func paging(_ request: EmulatorRequest) throws -> (limit: Int, offset: Int) {
        (try request.queryInt("limit", default: 10, range: 1...500), try request.queryInt("offset", default: 0, range: 0...Int(Int32.max)))
    }

    static func deleted(_ object: String, id: String, extra: [String: JSONValue] = [:]) throws -> EmulatorResponse {
        var body: [String: JSONValue] = ["object": .string(object), "id": .string(id), "deleted": true]
        for (key, value) in extra { body[key] = value }
        return try .json(.object(body))
    }

    /// Order by one of the allowed fields (`+name`, `-name`, `name`): the SQL comes only from `allowed`.
    static func order(_ request: EmulatorRequest, allowed: [String: String], default defaultValue: String) throws -> String {
        let raw = request.queryValue("order_by") ?? defaultValue
        var name = Substring(raw)
        var direction = "ASC"
        if name.hasPrefix("-") { direction = "DESC"; name = name.dropFirst() } else if name.hasPrefix("+") { name = name.dropFirst() }
        guard let expression = allowed[String(name)] else {
            throw EmulatorError.invalidQuery("order_by", "must be one of \(allowed.keys.sorted().joined(separator: ", ")), optionally prefixed with + or -")
        }
        return "\(expression) \(direction), rowid \(direction)"
    }
}

extension JSONValue {
    var objectMembers: [String: JSONValue]? { if case .object(let value) = self { return value } else { return nil } }
    var stringMember: String? { if case .string(let value) = self { return value } else { return nil } }
    var boolMember: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    var intMember: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value): return Int64(exactly: value)
        default: return nil
        }
    }
    var arrayMember: [JSONValue]? { if case .array(let value) = self { return value } else { return nil } }
}

/// Deep merge for PATCH metadata: objects merge recursively, `null` deletes a key, anything else replaces.
func mergeMetadata(_ base: JSONValue?, _ patch: JSONValue) -> JSONValue {
    guard case .object(let changes) = patch else { return patch }
    var result = base?.objectMembers ?? [:]
    for (key, value) in changes {
        if value == .null {
            result[key] = nil
        } else if case .object = value, case .object? = result[key] {
            result[key] = mergeMetadata(result[key], value)
        } else {
            result[key] = value
        }
    }
    return .object(result)
}

/// Reads typed members of a JSON body with Clerk-style 422 errors.
struct BodyReader {
    let object: [String: JSONValue]

    func string(_ name: String) throws -> String? {
        guard let value = object[name], value != .null else { return nil }
        guard case .string(let text) = value else { throw EmulatorError.invalid(name, "must be a string") }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name), !text.isEmpty else { throw EmulatorError.missing(name) }
        return text
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = object[name], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw EmulatorError.invalid(name, "must be a boolean") }
        return flag
    }

    func int(_ name: String) throws -> Int64? {
        guard let value = object[name], value != .null else { return nil }
        guard let number = value.intMember else { throw EmulatorError.invalid(name, "must be an integer") }
        return number
    }

    func strings(_ name: String) throws -> [String] {
        guard let value = object[name], value != .null else { return [] }
        if case .string(let single) = value { return [single] }
        guard case .array(let items) = value else { throw EmulatorError.invalid(name, "must be an array of strings") }
        return try items.map { item in
            guard case .string(let text) = item else { throw EmulatorError.invalid(name, "must be an array of strings") }
            return text
        }
    }

    func metadata(_ name: String) throws -> JSONValue? {
        guard let value = object[name], value != .null else { return nil }
        guard case .object = value else { throw EmulatorError.invalid(name, "must be an object") }
        return value
    }
}
