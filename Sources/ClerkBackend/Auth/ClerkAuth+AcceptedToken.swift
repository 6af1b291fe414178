extension AcceptsToken {
    /// Whether a credential of `type` is accepted: always for ``any``, when equal for a single type, when listed for
    /// ``oneOf(_:)``. A `nil` type (a token of a type no route accepts) is accepted only by ``any``.
    public func accepts(_ type: TokenType?) -> Bool {
        switch kind {
        case .any: return true
        case .single(let single): return type == single
        case .list(let types): return type.map { types.contains($0) } ?? false
        }
    }

    /// Whether every credential `other` accepts is accepted here too: an authentication that accepted these types
    /// can answer for `other` by filtering (``ClerkAuth/forAcceptedToken(_:)``); when it cannot, the token must be
    /// verified again with `other`. ``any`` covers everything and is covered only by ``any``.
    public func covers(_ other: AcceptsToken) -> Bool {
        switch (kind, other.kind) {
        case (.any, _): return true
        case (_, .any): return false
        case (_, .single(let type)): return accepts(type)
        case (_, .list(let types)): return types.allSatisfy { accepts($0) }
        }
    }

    /// The single accepted type, when exactly one is accepted (``sessionToken``, ``apiKey``, …).
    public var singleType: TokenType? {
        if case .single(let type) = kind { return type }
        return nil
    }
}

extension ClerkAuth {
    /// This auth object as a route that accepts `acceptsToken` must see it: the `getAuthObjectForAcceptedToken` of
    /// `@clerk/backend`, used by framework integrations after a middleware that accepted more types than the route.
    ///
    /// - ``AcceptsToken/any``: unchanged.
    /// - ``AcceptsToken/oneOf(_:)``: unchanged when its ``tokenType`` is listed, else ``invalidToken``.
    /// - A single type: unchanged when equal, else a signed-out object of the requested type (so a machine token on
    ///   a session route reads as a signed-out session, and vice versa).
    public func forAcceptedToken(_ acceptsToken: AcceptsToken) -> ClerkAuth {
        switch acceptsToken.kind {
        case .any:
            return self
        case .list(let types):
            guard let tokenType, types.contains(tokenType) else { return .invalidToken }
            return self
        case .single(let type):
            return tokenType == type ? self : .signedOut(tokenType: type)
        }
    }
}
