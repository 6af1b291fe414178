import ArgumentParser
import ClerkBackend
import Foundation
import Synchronization

// MARK: - CSV

enum CSV {
    static let columns = [
        "id", "external_id", "first_name", "last_name", "username", "email_addresses", "phone_numbers",
        "password_digest", "password_hasher", "public_metadata", "private_metadata", "created_at", "banned",
    ]

    /// One cell: quoted when needed; a leading =, +, -, @, tab or CR gets a ' so spreadsheets never run it as a
    /// formula.
    static func cell(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            text = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    /// Undoes ``cell(_:)``'s formula guard.
    static func unguard(_ value: String) -> String {
        if value.hasPrefix("'"), let second = value.dropFirst().first, "=+-@\t\r".contains(second) { return String(value.dropFirst()) }
        return value
    }

    /// What ``scan(_:)`` finds in CSV bytes.
    struct Scan {
        /// The records that end with a line break outside quotes; blank lines (and lines holding only `""`) are left
        /// out.
        var records: [[String]] = []
        /// The line (1-based, counting the line breaks inside quoted cells too) on which each of `records` starts.
        var startLines: [Int] = []
        /// How many bytes, from the start, the complete records take (with any blank lines among them): the place to
        /// cut the file to keep only whole records.
        var completeLength = 0
        /// A last record that no line break outside quotes ends, if the bytes have one: an interrupted write, or a
        /// hand-made file without a final newline.
        var trailing: [String]?
        /// The line on which `trailing` starts.
        var trailingStartLine = 0
        /// Whether `trailing` stops inside a quoted cell (its closing quote never came).
        var unterminatedQuote = false
    }

    /// Reads CSV as RFC 4180 writes it: cells separated by commas, records by LF, CR LF or a lone CR; a cell that
    /// starts with a double quote runs to the matching closing quote, holding commas, CRs and LFs, with `""` standing
    /// for one quote. Lenient where the RFC is strict: a quote in the middle of an unquoted cell, and text after a
    /// closing quote, are kept as text.
    ///
    /// A record counts as complete only once the line break after it (outside quotes) has been read, so a file cut
    /// anywhere, even just after a line break inside a quoted multi-line cell, never passes its partial last record
    /// off as complete. Works on bytes (every byte the grammar looks at is ASCII, which never occurs inside a UTF-8
    /// sequence), so `completeLength` is an exact byte offset and a cut in the middle of a character does no harm.
    static func scan(_ bytes: [UInt8]) -> Scan {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var result = Scan()
        var row: [String] = []
        var cell: [UInt8] = []
        var quoted = false
        var cellStarted = false
        var recordStarted = false
        var line = 1
        var recordLine = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == quote {
                    if index + 1 < bytes.count && bytes[index + 1] == quote {
                        cell.append(quote)
                        index += 2
                        continue
                    }
                    quoted = false
                } else {
                    if byte == lf || (byte == cr && !(index + 1 < bytes.count && bytes[index + 1] == lf)) { line += 1 }
                    cell.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case quote where !cellStarted:
                quoted = true
                cellStarted = true
                recordStarted = true
            case comma:
                row.append(String(decoding: cell, as: UTF8.self))
                cell = []
                cellStarted = false
                recordStarted = true
            case lf, cr:
                var end = index + 1
                if byte == cr && end < bytes.count && bytes[end] == lf { end += 1 }
                row.append(String(decoding: cell, as: UTF8.self))
                if row != [""] {
                    result.records.append(row)
                    result.startLines.append(recordLine)
                }
                row = []
                cell = []
                cellStarted = false
                recordStarted = false
                line += 1
                recordLine = line
                result.completeLength = end
                index = end
                continue
            default:
                cell.append(byte)
                cellStarted = true
                recordStarted = true
            }
            index += 1
        }
        if recordStarted {
            row.append(String(decoding: cell, as: UTF8.self))
            result.trailing = row
            result.trailingStartLine = recordLine
            result.unterminatedQuote = quoted
        }
        return result
    }

    /// Every record of a CSV file to import, with the line it starts on; the last one may lack its final newline.
    /// A quoted cell that is never closed is an error: it would swallow the rest of the file into one cell.
    static func records(_ text: String, file: String) throws -> [(cells: [String], line: Int)] {
        let scan = scan(Array(text.utf8))
        if scan.unterminatedQuote {
            throw CLIError("line \(scan.trailingStartLine) of \(file): a quoted cell is never closed")
        }
        var result = Array(zip(scan.records, scan.startLines)).map { (cells: $0.0, line: $0.1) }
        if let trailing = scan.trailing, trailing != [""] { result.append((trailing, scan.trailingStartLine)) }
        return result
    }

    static func row(_ user: User) throws -> String {
        func json(_ metadata: Metadata?) throws -> String {
            guard let metadata, !metadata.isEmpty else { return "" }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(metadata), as: UTF8.self)
        }
        let primary = user.primaryEmailAddressID
        let emails = user.emailAddresses.sorted { ($0.id == primary ? 0 : 1) < ($1.id == primary ? 0 : 1) }.map(\.emailAddress)
        let values = [
            user.id, user.externalID ?? "", user.firstName ?? "", user.lastName ?? "", user.username ?? "",
            emails.joined(separator: ";"), user.phoneNumbers.map(\.phoneNumber).joined(separator: ";"), "", "",
            try json(user.publicMetadata), try json(user.privateMetadata), String(user.createdAt), user.banned ? "true" : "false",
        ]
        return values.map(cell).joined(separator: ",")
    }
}

/// Progress on standard error: a redrawn bar on a terminal, plain lines otherwise.
struct Progress {
    let total: Int64
    let label: String
    let terminal = isatty(STDERR_FILENO) == 1

    func update(_ done: Int64) {
        if terminal {
            let width = 30
            let filled = total > 0 ? min(width, Int(Double(done) / Double(total) * Double(width))) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
        } else {
            printError("\(label) \(done)/\(total)")
        }
    }

    func finish() { if terminal { FileHandle.standardError.write(Data("\n".utf8)) } }
}

// MARK: - export

struct UsersExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write every user as JSON lines or CSV.",
        discussion: """
            Walks all users newest first with the API's cursor (starting_after): no user is skipped or repeated because
            of users created or deleted meanwhile (users created after the export started are not in it). With --resume
            and an existing --output file, the export continues after the last complete user in the file. CSV cells that
            a spreadsheet would run as formulas get a leading '.

            Examples:
              clerk users export --output users.jsonl
              clerk users export --format csv --output users.csv --resume
            """
    )
    @OptionGroup var client: ClientOptions
    @Option(help: "jsonl or csv.") var format = "jsonl"
    @Option(help: "Output file (default: standard output).") var output: String?
    @Flag(help: "Continue an interrupted export into the same --output file.") var resume = false
    @Option(help: "Users per request (1-500).") var pageSize = 500

    func validate() throws {
        guard ["jsonl", "csv"].contains(format) else { throw ValidationError("--format must be jsonl or csv") }
        guard (1...500).contains(pageSize) else { throw ValidationError("--page-size must be between 1 and 500") }
        if resume && output == nil { throw ValidationError("--resume needs --output") }
    }

    func run() async throws {
        try await runReporting {
            let clerk = try client.client()
            var cursor: String?
            var alreadyWritten: Int64 = 0
            var needsHeader = format == "csv"
            let handle: FileHandle
            if let output {
                let exists = FileManager.default.fileExists(atPath: output)
                if resume && exists {
                    let resumed = try Self.resumePoint(output, format: format)
                    (cursor, alreadyWritten) = (resumed.cursor, resumed.written)
                    if format == "csv" { needsHeader = resumed.keptLength == 0 }
                    guard let opened = FileHandle(forWritingAtPath: output) else { throw CLIError("cannot write \(output)", exit: CLIExit.configuration) }
                    handle = opened
                    // Drop the partial last record an interrupted run may have left; the new records go right after
                    // the last complete one.
                    try handle.truncate(atOffset: UInt64(resumed.keptLength))
                } else {
                    guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                        throw CLIError("cannot write \(output)", exit: CLIExit.configuration)
                    }
                    guard let opened = FileHandle(forWritingAtPath: output) else { throw CLIError("cannot write \(output)", exit: CLIExit.configuration) }
                    handle = opened
                }
                handle.seekToEndOfFile()
            } else {
                handle = FileHandle.standardOutput
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if needsHeader {
                handle.write(Data((CSV.columns.joined(separator: ",") + "\n").utf8))
            }
            let total = try await clerk.users.getCount()
            let progress = Progress(total: total, label: "exporting")
            var written = alreadyWritten
            while true {
                let page: [User] = try await clerk.users.getUserList(
                    GetUserListQuery(limit: pageSize, startingAfter: cursor, orderBy: "-created_at")
                ).data
                guard !page.isEmpty else { break }
                var chunk = Data()
                for user in page {
                    if format == "jsonl" {
                        chunk.append(try encoder.encode(user))
                        chunk.append(UInt8(ascii: "\n"))
                    } else {
                        chunk.append(contentsOf: Array((try CSV.row(user) + "\n").utf8))
                    }
                }
                handle.write(chunk)
                written += Int64(page.count)
                cursor = page.last?.id
                if output != nil { progress.update(written) }
                if page.count < pageSize { break }
            }
            if output != nil {
                progress.finish()
                try handle.close()
                printError("exported \(written) users")
            }
        }
    }

    /// Where an interrupted export into `path` left off: how many bytes of the file hold complete records (the rest
    /// is a partial record, to be cut off), how many users those records are, and the id of the last of them (the
    /// cursor to continue after).
    ///
    /// A JSON line never holds a raw line break (JSON escapes them), so for jsonl a record ends at each LF. A CSV cell
    /// may, inside quotes, so CSV is parsed as CSV: cutting at the last LF could cut inside a quoted multi-line cell,
    /// and the records written after it would then land inside that open quote.
    static func resumePoint(_ path: String, format: String) throws -> (keptLength: Int, written: Int64, cursor: String?) {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CLIError("cannot read \(path): \(error.localizedDescription)", exit: CLIExit.configuration)
        }
        if format == "jsonl" {
            let kept = (bytes.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
            let lines = bytes[..<kept].split(separator: UInt8(ascii: "\n")).filter {
                !$0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
            }
            guard let last = lines.last else { return (kept, 0, nil) }
            guard let id = (try? JSONDecoder().decode(JSONValue.self, from: Data(last)))?["id"]?.stringValue else {
                throw CLIError("cannot resume: the last record of \(path) has no user id")
            }
            return (kept, Int64(lines.count), id)
        }
        let scan = CSV.scan(bytes)
        guard let header = scan.records.first else {
            // Not even the header is complete: start over, but only over what looks like the start of one (never
            // empty some other file given by mistake).
            guard Array((CSV.columns.joined(separator: ",") + "\n").utf8).starts(with: bytes) else {
                throw CLIError("cannot resume: \(path) does not start with the header `clerk users export --format csv` writes")
            }
            return (0, 0, nil)
        }
        guard header == CSV.columns else {
            throw CLIError("cannot resume: \(path) does not start with the header `clerk users export --format csv` writes")
        }
        let users = scan.records.dropFirst()
        guard let last = users.last else { return (scan.completeLength, 0, nil) }
        let id = CSV.unguard(last[0])
        guard last.count == CSV.columns.count, !id.isEmpty else {
            throw CLIError("cannot resume: the last complete record of \(path) (line \(scan.startLines[scan.records.count - 1])) is not a user row")
        }
        return (scan.completeLength, Int64(users.count), id)
    }
}

// MARK: - import

struct UsersImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Create users from JSON lines or CSV, safely re-runnable.",
        discussion: """
            Each row is a user: JSON lines with CreateUser fields (email_address, phone_number, username, first_name,
            last_name, external_id, password_digest + password_hasher, public_metadata, …) or the output of
            `clerk users export`; CSV with the export's columns. Password digests keep their hasher (bcrypt, pbkdf2,
            argon2, …), the usual migration case.

            A row whose external id (or, without one, first email address) already belongs to a user is skipped, so
            the import can be re-run without duplicates. Rows are sent with bounded concurrency; 429 answers are
            waited out (Retry-After). Failed rows are reported by line number and do not stop the import; the exit
            code is 1 if any row failed.

            Examples:
              clerk users import users.jsonl
              clerk users import legacy.csv --concurrency 8
            """
    )
    @OptionGroup var client: ClientOptions
    @Argument(help: "The file to import (.jsonl, .json or .csv).") var file: String
    @Option(help: "jsonl or csv (default: from the file extension).") var format: String?
    @Option(help: "Rows sent at the same time (1-32).") var concurrency = 4

    func validate() throws {
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 32") }
        if let format, !["jsonl", "csv"].contains(format) { throw ValidationError("--format must be jsonl or csv") }
    }

    /// A row to import, with its line number for reports.
    struct Row: Sendable {
        let line: Int
        let body: CreateUserBody
    }

    func rows() throws -> [Row] {
        let text = try readFile(file)
        let kind = format ?? (file.lowercased().hasSuffix(".csv") ? "csv" : "jsonl")
        if kind == "csv" {
            // Line numbers come from the parse: a quoted cell may span several lines, so record n is not line n + 1.
            let table = try CSV.records(text, file: file)
            guard let header = table.first?.cells else { return [] }
            let index = Dictionary(header.enumerated().map { ($1.trimmingCharacters(in: .whitespaces), $0) }, uniquingKeysWith: { first, _ in first })
            return try table.dropFirst().map { cells, line in
                func value(_ names: String...) -> String? {
                    for name in names {
                        if let position = index[name], position < cells.count {
                            let cell = CSV.unguard(cells[position])
                            if !cell.isEmpty { return cell }
                        }
                    }
                    return nil
                }
                func list(_ names: String...) -> [String]? {
                    for name in names {
                        if let position = index[name], position < cells.count, !cells[position].isEmpty {
                            return CSV.unguard(cells[position]).split(separator: ";").map { String($0) }
                        }
                    }
                    return nil
                }
                return Row(line: line, body: CreateUserBody(
                    externalID: value("external_id"), firstName: value("first_name"), lastName: value("last_name"),
                    emailAddress: list("email_address", "email_addresses"), phoneNumber: list("phone_number", "phone_numbers"),
                    username: value("username"), password: value("password"), passwordDigest: value("password_digest"),
                    passwordHasher: value("password_hasher"), skipPasswordChecks: value("password") == nil ? nil : true,
                    publicMetadata: try metadataCell(value("public_metadata"), name: "public_metadata (line \(line))"),
                    privateMetadata: try metadataCell(value("private_metadata"), name: "private_metadata (line \(line))")
                ))
            }
        }
        var rows: [Row] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)), case .object(var object) = value else {
                throw CLIError("line \(offset + 1) of \(file) is not a JSON object")
            }
            if object["object"] == "user" {
                // A user as `clerk users export` writes it: keep what CreateUser takes.
                var converted: [String: JSONValue] = [:]
                for key in ["external_id", "first_name", "last_name", "username", "public_metadata", "private_metadata", "unsafe_metadata"] {
                    if let member = object[key], member != .null { converted[key] = member }
                }
                if case .array(let emails)? = object["email_addresses"], !emails.isEmpty {
                    converted["email_address"] = .array(emails.compactMap { $0["email_address"] })
                }
                if case .array(let phones)? = object["phone_numbers"], !phones.isEmpty {
                    converted["phone_number"] = .array(phones.compactMap { $0["phone_number"] })
                }
                object = converted
            }
            do {
                let body = try JSONDecoder().decode(CreateUserBody.self, from: JSONEncoder().encode(JSONValue.object(object)))
                rows.append(Row(line: offset + 1, body: body))
            } catch {
                throw CLIError("line \(offset + 1) of \(file) is not a user: \(error)")
            }
        }
        return rows
    }

    /// A metadata cell of an import file: JSON text only (a file never gets to read other files or standard input).
    func metadataCell(_ text: String?, name: String) throws -> Metadata? {
        guard let text else { return nil }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object(let object) = value else {
            throw CLIError("\(name) must be a JSON object")
        }
        return object
    }

    func run() async throws {
        try await runReporting {
            let clerk = try client.client()
            let rows = Self.dropRepeatedKeys(try rows(), report: { printError($0) })
            let tally = Tally()
            let progress = Progress(total: Int64(rows.count), label: "importing")
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<min(concurrency, max(rows.count, 1)) {
                    group.addTask {
                        while true {
                            let index = tally.claim()
                            guard index < rows.count else { return }
                            let row = rows[index]
                            do {
                                if try await Self.exists(row.body, clerk) {
                                    tally.record(.skipped)
                                } else {
                                    try await Self.withRateLimit { _ = try await clerk.users.createUser(row.body) }
                                    tally.record(.created)
                                }
                            } catch let error as ClerkAPIResponseError {
                                let reason = error.errors.map { "\($0.code.rawValue): \($0.longMessage ?? $0.message)" }.joined(separator: "; ")
                                tally.record(.failed(line: row.line, reason: "\(error.status) \(reason)"))
                            } catch {
                                tally.record(.failed(line: row.line, reason: "\(error)"))
                            }
                            let done = tally.done
                            if done % 100 == 0 || done == rows.count { progress.update(Int64(done)) }
                        }
                    }
                }
            }
            progress.finish()
            let summary = tally.summary
            for (line, reason) in summary.failures.sorted(by: { $0.0 < $1.0 }) { printError("line \(line): \(reason)") }
            print("created \(summary.created), skipped \(summary.skipped) (already there), failed \(summary.failures.count)")
            if !summary.failures.isEmpty { throw CLIExit.failure }
        }
    }

    /// Rows whose external id (or, without one, first email address) repeats an earlier row of the file are left out
    /// (reported), so concurrent workers never create the same user twice.
    static func dropRepeatedKeys(_ rows: [Row], report: (String) -> Void) -> [Row] {
        var seen = Set<String>()
        return rows.filter { row in
            guard let key = row.body.externalID.map({ "external_id:" + $0 }) ?? row.body.emailAddress?.first.map({ "email:" + $0.lowercased() }) else {
                return true
            }
            if seen.insert(key).inserted { return true }
            report("line \(row.line): skipped, repeats an earlier row (\(key))")
            return false
        }
    }

    /// Whether a user with the row's external id (or else its first email address) exists already.
    static func exists(_ body: CreateUserBody, _ clerk: ClerkClient) async throws -> Bool {
        if let externalID = body.externalID {
            return try await withRateLimit { try await clerk.users.getCount(GetUsersCountQuery(externalID: [externalID])) } > 0
        }
        if let email = body.emailAddress?.first {
            return try await withRateLimit { try await clerk.users.getCount(GetUsersCountQuery(emailAddress: [email])) } > 0
        }
        return false
    }

    /// Runs `operation`, waiting out 429 answers (their Retry-After, else 1 s) up to 8 times.
    static func withRateLimit<T>(_ operation: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch let error as ClerkAPIResponseError where error.status == 429 && attempt < 8 {
                attempt += 1
                try await Task.sleep(for: .seconds(max(1, min(error.retryAfter ?? 1, 60))))
            }
        }
    }

    final class Tally: Sendable {
        enum Outcome: Sendable {
            case created, skipped
            case failed(line: Int, reason: String)
        }
        struct Summary {
            var created = 0
            var skipped = 0
            var failures: [(Int, String)] = []
        }
        private let state = Mutex(Summary())
        private let cursor = Atomic<Int>(0)
        /// The index of the next row to import.
        func claim() -> Int { cursor.add(1, ordering: .relaxed).oldValue }
        func record(_ outcome: Outcome) {
            state.withLock { summary in
                switch outcome {
                case .created: summary.created += 1
                case .skipped: summary.skipped += 1
                case .failed(let line, let reason): summary.failures.append((line, reason))
                }
            }
        }
        var done: Int { state.withLock { $0.created + $0.skipped + $0.failures.count } }
        var summary: Summary { state.withLock { $0 } }
    }
}
