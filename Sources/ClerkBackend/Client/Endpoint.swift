public import HTTPTypes

/// One operation of the Backend API: its operation id in Clerk's OpenAPI spec, HTTP method and path template.
///
/// Every SDK method sends its request through one of the ``Endpoint`` constants, so the table of endpoints
/// is the same table the SDK uses (a test compares it with the spec).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The spec's `operationID`, for example `GetUser`.
    public let operationID: String
    /// The HTTP method (`GET`, `POST`, `PATCH`, `PUT`, `DELETE`).
    public let method: HTTPRequest.Method
    /// The path template below the version prefix, for example `/users/{user_id}`.
    public let path: String

    /// Creates an endpoint.
    public init(operationID: String, method: HTTPRequest.Method, path: String) {
        self.operationID = operationID
        self.method = method
        self.path = path
    }

    /// The names of the path parameters, in order of appearance.
    public var pathParameterNames: [String] {
        var names: [String] = []
        var current: String?
        for character in path {
            if character == "{" {
                current = ""
            } else if character == "}" {
                if let name = current { names.append(name) }
                current = nil
            } else if current != nil {
                current?.append(character)
            }
        }
        return names
    }

    public var description: String { "\(method.rawValue) \(path) (\(operationID))" }
}
