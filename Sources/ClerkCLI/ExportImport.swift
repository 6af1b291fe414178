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

    /// Parses RFC 4180 CSV (quoted cells, doubled quotes, newlines inside quotes).
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { cell.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(character)
                }
            } else if character == "\"" && cell.isEmpty {
                quoted = true
            } else if character == "," {
                row.append(cell)
                cell = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            } else if character != "\r" {
                cell.append(character)
            }
        }
        if !cell.isEmpty || !row.isEmpty {
            row.append(cell)
            rows.append(row)
        }
        return rows.filter { !($0.count == 1 && $0[0].isEmpty) }
    }

    static func row(_ user: User) throws -> String {
        func json(_ metadata: Metadata?) throws -> String {
            guard let metadata, !metadata.isEmpty else { return "" }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(metadata), as: UTF8.self)
        }
        let primary = user.primaryEmailAddressId
        let emails = user.emailAddresses.sorted { ($0.id == primary ? 0 : 1) < ($1.id == primary ? 0 : 1) }.map(\.emailAddress)
        let values = [
            user.id, user.externalId ?? "", user.firstName ?? "", user.lastName ?? "", user.username ?? "",
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
            let handle: FileHandle
            if let output {
                let exists = FileManager.default.fileExists(atPath: output)
                if resume && exists {
                    // Keep only complete records: an interrupted export may have left a partial last line.
                    var text = try readFile(output)
                    if !text.isEmpty && !text.hasSuffix("\n") {
                        text = String(text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)])
                        try Data(text.utf8).write(to: URL(fileURLWithPath: output))
                    }
                    if format == "jsonl" {
                        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
                        alreadyWritten = Int64(lines.count)
                        cursor = lines.last.flatMap { (try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)))?["id"]?.stringValue }
                    } else {
                        let rows = CSV.parse(text)
                        alreadyWritten = Int64(max(0, rows.count - 1))
                        if rows.count > 1 { cursor = rows.last?.first }
                    }
                    if alreadyWritten > 0 && cursor == nil {
                        throw CLIError("cannot resume: the last record of \(output) has no user id")
                    }
                } else {
                    guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                        throw CLIError("cannot write \(output)", exit: CLIExit.configuration)
                    }
                }
                guard let opened = FileHandle(forWritingAtPath: output) else { throw CLIError("cannot write \(output)", exit: CLIExit.configuration) }
                handle = opened
                handle.seekToEndOfFile()
            } else {
                handle = FileHandle.standardOutput
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if format == "csv" && cursor == nil && alreadyWritten == 0 {
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
            let table = CSV.parse(text)
            guard let header = table.first else { return [] }
            let index = Dictionary(header.enumerated().map { ($1.trimmingCharacters(in: .whitespaces), $0) }, uniquingKeysWith: { first, _ in first })
            return try table.dropFirst().enumerated().map { offset, cells in
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
                return Row(line: offset + 2, body: CreateUserBody(
                    externalId: value("external_id"), firstName: value("first_name"), lastName: value("last_name"),
                    emailAddress: list("email_address", "email_addresses"), phoneNumber: list("phone_number", "phone_numbers"),
                    username: value("username"), password: value("password"), passwordDigest: value("password_digest"),
                    passwordHasher: value("password_hasher"), skipPasswordChecks: value("password") == nil ? nil : true,
                    publicMetadata: try metadataCell(value("public_metadata"), name: "public_metadata (line \(offset + 2))"),
                    privateMetadata: try metadataCell(value("private_metadata"), name: "private_metadata (line \(offset + 2))")
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
            let rows = try Self.dropRepeatedKeys(try rows(), report: { printError($0) })
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
            guard let key = row.body.externalId.map({ "external_id:" + $0 }) ?? row.body.emailAddress?.first.map({ "email:" + $0.lowercased() }) else {
                return true
            }
            if seen.insert(key).inserted { return true }
            report("line \(row.line): skipped, repeats an earlier row (\(key))")
            return false
        }
    }

    /// Whether a user with the row's external id (or else its first email address) exists already.
    static func exists(_ body: CreateUserBody, _ clerk: ClerkClient) async throws -> Bool {
        if let externalId = body.externalId {
            return try await withRateLimit { try await clerk.users.getCount(GetUsersCountQuery(externalId: [externalId])) } > 0
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
