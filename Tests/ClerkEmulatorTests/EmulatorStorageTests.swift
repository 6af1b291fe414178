import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Database work runs off Swift's cooperative thread pool: a write that waits for SQLite does not hold up requests
/// that only read.
@Suite("Emulator: storage off the cooperative pool", .timeLimit(.minutes(1)))
struct EmulatorStorageTests {
    @Test("While another connection holds the write lock, writes wait and reads still answer at once")
    func slowWritesDoNotBlockReads() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("emulator.sqlite").path
        try await withOptionsEmulator(EmulatorOptions(databasePath: path)) { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["reader@example.com"]))

            // Another connection takes SQLite's write lock and keeps it for 3 seconds.
            let blocker = try DatabaseQueue(path: path)
            let held = Atomic<Int>(0)  // 1 while the lock is held, 2 once released
            let hold = Thread {
                try? blocker.write { db in
                    try db.execute(sql: "UPDATE instance SET value = value WHERE name = 'secret_key'")
                    held.store(1, ordering: .sequentiallyConsistent)
                    Thread.sleep(forTimeInterval: 3)
                }
                held.store(2, ordering: .sequentiallyConsistent)
            }
            hold.start()
            while held.load(ordering: .sequentiallyConsistent) == 0 { try await Task.sleep(for: .milliseconds(5)) }

            // More waiting writes than a 2-core machine's cooperative pool has threads, and fewer than the shared HTTP
            // client's connections per host (8), so the reads never wait for a connection.
            let writers = min(ProcessInfo.processInfo.activeProcessorCount + 2, 6)
            let finished = AttemptCounter()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<writers {
                    group.addTask {
                        let status = try await rawRequest(
                            emulator, "POST", "/v1/users", key: emulator.secretKey,
                            body: #"{"email_address":["waiting\#(index)@example.com"]}"#
                        ).status
                        _ = finished.increment()
                        return status
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                // Reads answer while the writes still wait for the lock.
                for _ in 0..<5 {
                    let answer = try await rawRequest(emulator, "GET", "/v1/users/\(user.id)", key: emulator.secretKey)
                    #expect(answer.status == 200)
                    #expect(held.load(ordering: .sequentiallyConsistent) == 1, "a read waited for the write lock to be released")
                }
                #expect(finished.current == 0, "the writes did not wait for the lock")
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            // Once the lock is released every write went through.
            #expect(statuses == Array(repeating: 200, count: writers))
            #expect(try await clerk.users.getCount() == Int64(writers + 1))
            try blocker.close()
        }
    }
}
