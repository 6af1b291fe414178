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

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
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
    var apiUrl: String?

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
        if let url = apiUrl ?? environment["CLERK_API_URL"] { options.apiUrl = url }
        do {
            return try ClerkClient(options: options)
        } catch {
            throw CLIError("\(error)", exit: CLIExit.configuration)
        }
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
        if let trace = error.clerkTraceId { printError("  clerk_trace_id: \(trace)") }
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
    print(String(decoding: try prettyEncoder.encode(value), as: UTF8.self))
}

/// A plain text table: a header row and aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
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
