// libFuzzer target: the JWT parser (base64url, strict JSON, header and claims access, machine-token detection).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWT(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let token = String(decoding: bytes, as: UTF8.self)
    if let decoded = try? decodeJWT(token) {
        _ = decoded.header.alg
        _ = decoded.claims.exp
        _ = decoded.claims.aud
        _ = decoded.claims.sub
    }
    _ = Base64URL.decode(bytes)
    _ = JSONObjectParser.parse(bytes)
    _ = FuzzSupport.isMachineJWTLike(token)
    return 0
}
