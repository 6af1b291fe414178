// libFuzzer target: the Cookie header parser and percent-decoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCookies(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let cookies = CookieParser.parse(headers: [text])
    for (name, value) in cookies {
        precondition(!name.isEmpty)
        _ = value.percentDecoded
    }
    _ = CookieParser.parse(headers: text.split(separator: "\n").map(String.init))
    return 0
}
