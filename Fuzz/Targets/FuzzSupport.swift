// Helpers shared by the fuzz targets (kept free of the SDK's networking types).
enum FuzzSupport {
    static func isMachineJWTLike(_ token: String) -> Bool {
        guard let decoded = try? decodeJWT(token) else { return false }
        return decoded.claims.sub?.hasPrefix("mch_") == true || decoded.header.typ == "at+jwt"
    }
}
