import ClerkBackend
import Foundation
import GRDB
import Synchronization
import Logging

/// Fault injection: a share of API requests answered with an error instead of being handled, and latency added to
/// every API response.
struct FaultSettings: Sendable, Equatable {
    /// Share of API requests answered with a fault, 0…1.
    var rate: Double
    /// The statuses faults answer with, drawn uniformly.
    var statuses: [Int]
    /// Added to every API response.
    var latency: Duration

    static let maxLatency: Duration = .seconds(600)

    /// The problem with these settings, if any (a message without any secret).
    var problem: String? {
        if !rate.isFinite || rate < 0 || rate > 1 { return "fault_rate must be a number between 0 and 1" }
        if let bad = statuses.first(where: { !(400...599).contains($0) }) {
            return "fault_statuses must be HTTP error statuses (400 to 599), not \(bad)"
        }
        if rate > 0 && statuses.isEmpty { return "fault_statuses must name at least one status when fault_rate is above 0" }
        if latency < .zero || latency > Self.maxLatency { return "latency must be between 0 and 600000 ms" }
        return nil
    }

    var latencyMilliseconds: Int64 {
        let (seconds, attoseconds) = latency.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var json: JSONValue {
        [
            "fault_rate": .double(rate), "fault_statuses": .array(statuses.map { .int(Int64($0)) }),
            "latency_ms": .int(latencyMilliseconds),
        ]
    }
}

/// The current fault settings of a running emulator, changed at run time through `POST /_emulator/faults`.
final class FaultInjector: Sendable {
    private struct State: Sendable {
        var settings: FaultSettings
        var injected: Int64 = 0
    }

    private let state: Mutex<State>

    init(_ settings: FaultSettings) {
        state = Mutex(State(settings: settings))
    }

    var settings: FaultSettings { state.withLock { $0.settings } }

    /// How many faults were injected since the start.
    var injectedCount: Int64 { state.withLock { $0.injected } }

    func update(_ change: (inout FaultSettings) throws -> Void) throws -> FaultSettings {
        try state.withLock { state in
            var settings = state.settings
            try change(&settings)
            if let problem = settings.problem {
                throw EmulatorError(status: 422, code: "form_param_value_invalid", message: "is invalid", longMessage: problem)
            }
            state.settings = settings
            return settings
        }
    }

    /// For one API request: the status of the fault to answer with (`nil`: handle it), and the latency to add.
    func draw() -> (fault: Int?, latency: Duration) {
        state.withLock { state in
            let settings = state.settings
            guard settings.rate > 0, !settings.statuses.isEmpty, Double.random(in: 0..<1) < settings.rate,
                let status = settings.statuses.randomElement()
            else {
                return (nil, settings.latency)
            }
            state.injected += 1
            return (status, settings.latency)
        }
    }

    /// A fault in Clerk's error format; a 429 carries `Retry-After: 1`.
    static func response(status: Int, traceID: String) throws -> EmulatorResponse {
        let (code, message): (String, String) =
            switch status {
            case 429: ("too_many_requests", "Too many requests")
            case 500: ("internal_clerk_error", "Oops, something went wrong")
            case 502: ("bad_gateway", "Bad gateway")
            case 503: ("service_unavailable", "Service unavailable")
            case 504: ("gateway_timeout", "Gateway timeout")
            default: ("emulator_fault", "Injected fault")
            }
        var response = try EmulatorError(
            status: status, code: code, message: message,
            longMessage: "Injected by the Clerk emulator's fault injection (see GET /_emulator/faults)."
        ).response(traceID: traceID)
        if status == 429 { response.headers["Retry-After"] = "1" }
        return response
    }
}

// MARK: - Admin endpoint

extension EmulatorState {
    /// Paths under `/_emulator` are the emulator's own, answered before (and never by) spec routing.
    static func isAdminPath(_ path: String) -> Bool { path == "/_emulator" || path.hasPrefix("/_emulator/") }

    /// `GET /_emulator/faults` reads the fault settings, `POST /_emulator/faults` changes them (a JSON object with
    /// any of `fault_rate`, `fault_statuses`, `latency_ms`). Both need the instance secret key as Bearer.
    func handleAdmin(method: String, path: String, query: String? = nil, authorization: String?, body: Data) async throws -> EmulatorResponse {
        var route = Substring(path)
        if route.count > 1 && route.hasSuffix("/") { route = route.dropLast() }
        if route == "/_emulator/webhooks" || route.hasPrefix("/_emulator/webhooks/") {
            try authenticate(authorization)
            return try await handleWebhookAdmin(method: method, route: route, query: query)
        }
        if route == "/_emulator/dashboard_link" {
            try authenticate(authorization)
            guard method == "POST" else {
                throw EmulatorError(status: 405, code: "method_not_allowed", message: "method not allowed", longMessage: "/_emulator/dashboard_link answers POST")
            }
            return try .json(["object": "dashboard_link", "url": .string(dashboardLink().absoluteString)])
        }
        if route == "/_emulator/snapshot" {
            try authenticate(authorization)
            guard method == "GET" else {
                throw EmulatorError(status: 405, code: "method_not_allowed", message: "method not allowed", longMessage: "/_emulator/snapshot answers GET")
            }
            return EmulatorResponse(status: 200, body: try await store.snapshot(), contentType: "application/json")
        }
        guard route == "/_emulator/faults" else {
            throw EmulatorError(
                status: 404, code: "resource_not_found", message: "not found",
                longMessage: "The emulator's admin endpoints are GET and POST /_emulator/faults, GET /_emulator/webhooks, POST /_emulator/webhooks/{msg_id}/redeliver, GET /_emulator/snapshot and POST /_emulator/dashboard_link"
            )
        }
        try authenticate(authorization)
        switch method {
        case "GET":
            return try faultsResponse(faults.settings)
        case "POST":
            let fields = try Self.adminBody(body)
            let known: Set<String> = ["fault_rate", "fault_statuses", "latency_ms"]
            if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
                throw EmulatorError(
                    status: 422, code: "form_param_unknown", message: "is unknown",
                    longMessage: "\(unknown.prefix(100)) is not a fault setting; use fault_rate, fault_statuses and latency_ms",
                    meta: ["param_name": .string(String(unknown.prefix(100)))]
                )
            }
            let updated = try faults.update { settings in
                if let value = fields["fault_rate"] {
                    guard let rate = value.doubleValue else { throw EmulatorError.invalid("fault_rate", "must be a number between 0 and 1") }
                    settings.rate = rate
                }
                if let value = fields["fault_statuses"] {
                    guard let items = value.arrayMember else { throw EmulatorError.invalid("fault_statuses", "must be an array of HTTP statuses") }
                    settings.statuses = try items.map { item in
                        guard let status = item.intMember, let small = Int(exactly: status) else {
                            throw EmulatorError.invalid("fault_statuses", "must be an array of HTTP statuses")
                        }
                        return small
                    }
                }
                if let value = fields["latency_ms"] {
                    guard let milliseconds = value.intMember, milliseconds >= 0, milliseconds <= 600_000 else {
                        throw EmulatorError.invalid("latency_ms", "must be an integer between 0 and 600000")
                    }
                    settings.latency = .milliseconds(milliseconds)
                }
            }
            options.logger.notice(
                "Fault injection changed",
                metadata: [
                    "fault_rate": "\(updated.rate)", "fault_statuses": "\(updated.statuses)",
                    "latency_ms": "\(updated.latencyMilliseconds)",
                ]
            )
            return try faultsResponse(updated)
        default:
            throw EmulatorError(
                status: 405, code: "method_not_allowed", message: "method not allowed",
                longMessage: "/_emulator/faults answers GET and POST"
            )
        }
    }

    /// `GET /_emulator/webhooks` lists the outbox's events, newest first, with their attempts (`status`, `type`,
    /// `limit` and `offset` narrow it); `POST /_emulator/webhooks/{msg_id}/redeliver` queues an event again.
    private func handleWebhookAdmin(method: String, route: Substring, query: String?) async throws -> EmulatorResponse {
        guard webhooks != nil else {
            throw EmulatorError(
                status: 404, code: "webhooks_not_configured", message: "webhooks are not configured",
                longMessage: "Start the emulator with a webhook URL (--webhook-url) to record and send webhook events"
            )
        }
        let parts = route.split(separator: "/")
        if parts.count == 2 {
            guard method == "GET" else {
                throw EmulatorError(status: 405, code: "method_not_allowed", message: "method not allowed", longMessage: "/_emulator/webhooks answers GET")
            }
            let request = EmulatorRequest(
                operationID: "emulatorWebhooks", method: method, pathParameters: [:], query: EmulatorRoutes.parseQuery(query),
                body: Data(), contentType: nil, machineID: nil
            )
            let (limit, offset) = try Self.paging(request)
            let status = request.queryValue("status")
            if let status, ![WebhookOutbox.pending, WebhookOutbox.delivered, WebhookOutbox.failed].contains(status) {
                throw EmulatorError.invalidQuery("status", "must be pending, delivered or failed")
            }
            let type = request.queryValue("type")
            let (items, total) = try await store.writer.read { db in
                try WebhookOutbox.list(status: status, type: type, limit: limit, offset: offset, db)
            }
            return try Self.list(items, total: total, wrapped: true)
        }
        guard parts.count == 4, parts[3] == "redeliver" else {
            throw EmulatorError(status: 404, code: "resource_not_found", message: "not found", longMessage: "Use POST /_emulator/webhooks/{msg_id}/redeliver")
        }
        guard method == "POST" else {
            throw EmulatorError(status: 405, code: "method_not_allowed", message: "method not allowed", longMessage: "Redelivery answers POST")
        }
        let id = String(parts[2])
        guard try await store.writer.write({ db in try WebhookOutbox.redeliver(id: id, db) }) else {
            throw EmulatorError(
                status: 404, code: "resource_not_found", message: "not found",
                longMessage: "No webhook event has the id \(id.prefix(100))"
            )
        }
        webhooks?.wake()
        options.logger.notice("Webhook event queued again", metadata: ["svix_id": "\(id)"])
        return try .json(["object": "webhook_message", "id": .string(id), "status": .string(WebhookOutbox.pending)])
    }

    private func faultsResponse(_ settings: FaultSettings) throws -> EmulatorResponse {
        var object = settings.json.objectMembers ?? [:]
        object["object"] = "emulator_faults"
        object["injected_count"] = .int(faults.injectedCount)
        return try .json(.object(object))
    }

    private static func adminBody(_ body: Data) throws -> [String: JSONValue] {
        if body.isEmpty { return [:] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body), case .object(let object) = value else {
            throw EmulatorError(status: 400, code: "request_body_invalid", message: "Request body must be a JSON object")
        }
        return object
    }
}
