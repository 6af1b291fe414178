/// Parses `Cookie` request headers (RFC 6265): `name=value` pairs separated by `;`, values percent-decoded one by
/// one (an encoded `;` or `=` never becomes a delimiter; a malformed `%` sequence is kept as sent), quotes around
/// a value removed, the first occurrence of a name kept. Never throws, whatever the input.
enum CookieParser {
    static func parse<S: Sequence>(headers: S, maxValueBytes: Int = 16 * 1024) -> [String: String] where S.Element == String {
        var cookies: [String: String] = [:]
        for header in headers {
            guard header.utf8.count <= maxValueBytes else { continue }
            for pair in header.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = pair[pair.startIndex..<equals].trimmed
                guard !name.isEmpty, cookies[name] == nil else { continue }
                var value = pair[pair.index(after: equals)...].trimmed
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast())
                }
                cookies[name] = value.percentDecoded ?? value
            }
        }
        return cookies
    }
}
