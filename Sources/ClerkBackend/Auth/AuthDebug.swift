#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes

extension ClerkAuth: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What this auth object says, for a log line or a debugging endpoint: the `auth.debug()` of `@clerk/backend`,
    /// without what the reference includes and a log must never hold (the token, keys).
    ///
    /// Keys: `isAuthenticated`, `tokenType`, `userID`, `sessionID`, `sessionStatus`, `orgID`, `orgRole`, `orgSlug`,
    /// `orgPermissions`, `factorVerificationAge`, `actor`, `sessionClaims` (the verified claims), `machine` (`id`,
    /// `subject`, `name`, `scopes`, `claims`, `machineID`, `clientID`, `orgID`); absent values are `null`.
    public func debug() -> [String: JSONValue] {
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func strings(_ values: [String]?) -> JSONValue { values.map { .array($0.map(JSONValue.string)) } ?? .null }
        var machineJSON = JSONValue.null
        if let machine {
            machineJSON = .object([
                "id": .string(machine.id), "subject": .string(machine.subject), "name": string(machine.name),
                "scopes": strings(machine.scopes), "claims": machine.claims ?? .null, "machineID": string(machine.machineID),
                "clientID": string(machine.clientID), "orgID": string(machine.orgID),
            ])
        }
        return [
            "isAuthenticated": .bool(isAuthenticated), "tokenType": string(tokenType?.rawValue), "userID": string(userID),
            "sessionID": string(sessionID), "sessionStatus": string(sessionStatus), "orgID": string(orgID),
            "orgRole": string(orgRole), "orgSlug": string(orgSlug), "orgPermissions": strings(orgPermissions),
            "factorVerificationAge": factorVerificationAge.map { .array($0.map { .int(Int64($0)) }) } ?? .null,
            "actor": actor ?? .null, "sessionClaims": sessionClaims.map { .object($0.raw) } ?? .null, "machine": machineJSON,
        ]
    }

    /// `ClerkAuth(signed in, session_token, userID: user_…, sessionID: sess_…, orgID: org_…)`; never the token.
    public var description: String {
        var parts = [isAuthenticated ? "signed in" : "signed out", tokenType?.rawValue ?? "no accepted token type"]
        if let userID { parts.append("userID: \(userID)") }
        if let sessionID { parts.append("sessionID: \(sessionID)") }
        if let orgID { parts.append("orgID: \(orgID)") }
        if let machine { parts.append("machine: \(machine.id)") }
        return "ClerkAuth(\(parts.joined(separator: ", ")))"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// The fields of ``debug()``, so `dump` and debuggers show them and never the token.
    public var customMirror: Mirror {
        Mirror(self, children: debug().sorted { $0.key < $1.key }.map { (label: $0.key, value: $0.value as Any) }, displayStyle: .struct)
    }
}

extension RequestState: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What `authenticateRequest` decided, for a log line: `status`, `reason`, `message`, `tokenType`, `hasToken`
    /// (whether a token was found, never the token), `isSatellite`, `domain`, `publishableKey` (public),
    /// `proxyURL`, `signInURL`, `signUpURL`, `afterSignInURL`, `afterSignUpURL`, `headerNames` (the names of
    /// ``headerFields``; their values can hold tokens and cookies) and `auth` (``ClerkAuth/debug()``, or `null`).
    public func debug() -> [String: JSONValue] {
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "status": .string(status.rawValue), "reason": string(reason?.rawValue), "message": string(message),
            "tokenType": string(tokenType?.rawValue), "hasToken": .bool(token != nil), "isSatellite": .bool(isSatellite),
            "domain": .string(domain), "publishableKey": .string(publishableKey), "proxyURL": string(proxyURL?.absoluteString),
            "signInURL": string(signInURL?.absoluteString), "signUpURL": string(signUpURL?.absoluteString),
            "afterSignInURL": string(afterSignInURL?.absoluteString), "afterSignUpURL": string(afterSignUpURL?.absoluteString),
            "headerNames": .array(headerFields.map { .string($0.name.canonicalName) }),
            "auth": auth.map { .object($0.debug()) } ?? .null,
        ]
    }

    /// `RequestState(signed-out, reason: session-token-expired, headers: location, set-cookie)`; never a token.
    public var description: String {
        var parts = [status.rawValue]
        if let reason { parts.append("reason: \(reason.rawValue)") }
        if let tokenType { parts.append("tokenType: \(tokenType.rawValue)") }
        if !headerFields.isEmpty { parts.append("headers: " + headerFields.map(\.name.canonicalName).joined(separator: ", ")) }
        if let auth, auth.isAuthenticated { parts.append(auth.description) }
        return "RequestState(\(parts.joined(separator: ", ")))"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// The fields of ``debug()``, so `dump` and debuggers show them and never a token or a cookie value.
    public var customMirror: Mirror {
        Mirror(self, children: debug().sorted { $0.key < $1.key }.map { (label: $0.key, value: $0.value as Any) }, displayStyle: .struct)
    }
}
