import ArgumentParser
import ClerkBackend
import Foundation

/// Exit codes scripts can rely on.
enum CLIExit {
    /// The API answered an error, a verification failed, or some import rows failed.
    static let failure = ExitCode(1)
    /// Configuration is missing or wrong (no secret key, unreadable file).
    static let configuration = ExitCode(2)
}

/// Prints to standard error, made terminal-safe (messages often quote what the API answered).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((terminalSafe(text, keepingLineBreaks: true) + "\n").utf8))
}

/// Prints human-readable output to standard output, made terminal-safe.
func printText(_ text: String, keepingLineBreaks: Bool = false) {
    print(terminalSafe(text, keepingLineBreaks: keepingLineBreaks))
}

// MARK: - terminal safety

/// Text from the API is chosen by users (names, usernames, metadata, organization names), and a terminal obeys
/// control characters wherever they come from: an OSC sequence (`ESC ] 0 ; … BEL`) retitles the window or, on some
/// terminals, writes the clipboard; CSI sequences clear the screen or recolour and hide text; a bare CR or a backspace
/// overwrites what was already printed; C1 controls (U+0080–U+009F) act like ESC sequences on terminals that honour
/// them; bidi overrides (U+202E) reorder what is displayed. So every human-readable output of the CLI (tables, plain
/// lines, error messages) goes through this function, which swaps each such character for a visible, printable
/// escape:
///
/// - `\n`, `\r` and `\t` for line feed, carriage return and tab;
/// - `\xHH` (two lowercase hex digits) for the rest of C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F):
///   ESC shows as `\x1b`, BEL as `\x07`, CSI (U+009B) as `\x9b`;
/// - `\u{HHHH}` for the bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and
///   paragraph separators U+2028 and U+2029.
///
/// A backslash itself is left alone, so a name that literally contains `\x1b` prints like one holding ESC; that is
/// ambiguous to read but harmless. With `keepingLineBreaks`, line feeds, CR LF pairs and tabs stay as they are (for
/// multi-line messages and bodies); a CR not followed by LF is still escaped.
///
/// JSON output does not come through here: it must stay exact (see ``jsonTerminalSafe(_:)``).
func terminalSafe(_ text: String, keepingLineBreaks: Bool = false) -> String {
    guard text.unicodeScalars.contains(where: isTerminalControl) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    let scalars = Array(text.unicodeScalars)
    for (index, scalar) in scalars.enumerated() {
        guard isTerminalControl(scalar) else {
            result.unicodeScalars.append(scalar)
            continue
        }
        switch scalar.value {
        case 0x0A where keepingLineBreaks, 0x09 where keepingLineBreaks:
            result.unicodeScalars.append(scalar)
        case 0x0D where keepingLineBreaks && index + 1 < scalars.count && scalars[index + 1] == "\n":
            result.unicodeScalars.append(scalar)
        case 0x0A: result += "\\n"
        case 0x0D: result += "\\r"
        case 0x09: result += "\\t"
        case 0...0xFF: result += "\\x" + hexDigits(scalar.value, width: 2)
        default: result += "\\u{" + hexDigits(scalar.value, width: 4) + "}"
        }
    }
    return result
}

/// Whether a terminal would act on `scalar` rather than show it: C0, DEL, C1, bidi controls, U+2028 and U+2029.
func isTerminalControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: return true
    default: return false
    }
}

private func hexDigits(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// JSON text with DEL, C1 controls, bidi controls and U+2028/U+2029 written as `\uHHHH` escapes. JSONEncoder already
/// escapes C0 (ESC, BEL, CR, …) but writes those others raw, and they act on a terminal too. Outside its string
/// literals, JSON text is ASCII punctuation, digits, letters and whitespace, so any of these scalars sits inside a
/// string, where the escape stands for exactly the same scalar: a JSON parser reads back the original string, byte for
/// byte.
func jsonTerminalSafe(_ json: String) -> String {
    guard json.unicodeScalars.contains(where: { $0.value >= 0x7F && isTerminalControl($0) }) else { return json }
    var result = ""
    result.reserveCapacity(json.utf8.count + 16)
    for scalar in json.unicodeScalars {
        if scalar.value >= 0x7F && isTerminalControl(scalar) {
            result += "\\u" + hexDigits(scalar.value, width: 4)
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// Reads a secret or a value from `@file`, `-` (standard input) or the literal text.
func readValue(_ argument: String) throws -> String {
    if argument == "-" {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    if argument.hasPrefix("@") {
        return try readFile(String(argument.dropFirst())).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return argument
}

func readFile(_ path: String) throws -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw CLIError("cannot read \(path): \(error.localizedDescription)", exit: CLIExit.configuration)
    }
}

/// An error the CLI reports on one line, with its exit code.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exit: ExitCode
    init(_ message: String, exit: ExitCode = CLIExit.failure) {
        self.message = message
        self.exit = exit
    }
    var description: String { message }
}

/// How to reach the Backend API. The secret key never goes on the command line: it comes from
/// `CLERK_SECRET_KEY` or from `--secret-key-file` (a path, or `-` for standard input).
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read the secret key from this file ('-' for standard input) instead of CLERK_SECRET_KEY.", valueName: "path"))
    var secretKeyFile: String?

    @Option(help: ArgumentHelp("Backend API URL (default: CLERK_API_URL, else https://api.clerk.com).", valueName: "url"))
    var apiURL: String?

    func client() throws -> ClerkClient {
        let environment = ProcessInfo.processInfo.environment
        var key: String?
        if let file = secretKeyFile {
            key = file == "-" ? try readValue("-") : try readFile(file).trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            key = environment["CLERK_SECRET_KEY"]
        }
        guard let key, !key.isEmpty else {
            throw CLIError("no secret key: set CLERK_SECRET_KEY or pass --secret-key-file", exit: CLIExit.configuration)
        }
        guard key.hasPrefix("sk_") else {
            throw CLIError("the secret key must start with sk_ (it is not shown here)", exit: CLIExit.configuration)
        }
        var options = ClerkOptions(secretKey: Secret(key))
        if let raw = apiURL ?? environment["CLERK_API_URL"] { options.apiURL = try Self.parseAPIURL(raw) }
        do {
            return try ClerkClient(options: options)
        } catch {
            throw CLIError("\(error)", exit: CLIExit.configuration)
        }
    }
}

extension ClientOptions {
    /// `--api-url` / `CLERK_API_URL` as a URL (ClerkClient then checks it is https, or http on loopback).
    static func parseAPIURL(_ raw: String) throws -> URL {
        guard let url = URL(string: raw.trimmingCharacters(in: .whitespaces)) else {
            throw CLIError("the API URL is not a URL", exit: CLIExit.configuration)
        }
        return url
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (for scripts) instead of a table.")
    var json = false
}

/// Runs a command body, turning API and CLI errors into messages on standard error and exit codes.
func runReporting(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClerkAPIResponseError {
        printError("error: the API answered \(error.status)")
        for item in error.errors {
            printError("  \(item.code.rawValue): \(item.longMessage ?? item.message)")
        }
        if let trace = error.clerkTraceID { printError("  clerk_trace_id: \(trace)") }
        throw CLIExit.failure
    } catch let error as CLIError {
        printError("error: \(error.message)")
        throw error.exit
    } catch let error as ExitCode {
        throw error
    } catch let error as CancellationError {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("error: \(error)")
        throw CLIExit.failure
    }
}

let prettyEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
}()

func printJSON(_ value: some Encodable) throws {
    print(jsonTerminalSafe(String(decoding: try prettyEncoder.encode(value), as: UTF8.self)))
}

/// A plain text table: a header row and aligned columns. Every cell is made terminal-safe first (a line break in a
/// cell shows as `\n` and keeps the row on one line), and the column widths are measured on that escaped text.
func printTable(_ header: [String], _ rows: [[String]]) {
    let header = header.map { terminalSafe($0) }
    let rows = rows.map { $0.map { terminalSafe($0) } }
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

/// Parses a JSON object argument (`--public-metadata '{"plan":"pro"}'`).
func parseMetadata(_ text: String?, name: String) throws -> Metadata? {
    guard let text else { return nil }
    guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(try readValue(text).utf8)), case .object(let object) = value else {
        throw ValidationError("\(name) must be a JSON object, for example '{\"plan\":\"pro\"}'")
    }
    return object
}

func formatTime(_ milliseconds: Int64?) -> String {
    guard let milliseconds else { return "-" }
    let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}

let secretsDiscussion = """
    The secret key comes from CLERK_SECRET_KEY, or from --secret-key-file (a path, or '-' for standard input), never
    from the command line, so it does not show in `ps` or shell history. CLERK_API_URL (or --api-url) points the
    command at another API, for example `clerk emulator`.

    Exit codes: 0 success; 1 the API answered an error; 2 missing or unusable configuration; 64 bad usage.
    """
