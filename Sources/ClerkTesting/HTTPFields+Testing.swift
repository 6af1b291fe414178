public import HTTPTypes

/// Reading fields by name in assertions.
extension HTTPFields {
    /// The first value of the field with this name (any case), for assertions on `ClerkBackend.RequestState`'s
    /// `headerFields` and recorded requests; `nil` when there is none or the name is not a valid field name.
    public func first(name: String) -> String? {
        HTTPField.Name(name).flatMap { self[fields: $0].first?.value }
    }

    /// Every value of the fields with this name (any case), in order (`Set-Cookie` comes as several fields).
    public func values(name: String) -> [String] {
        HTTPField.Name(name).map { self[values: $0] } ?? []
    }
}
