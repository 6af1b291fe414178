import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerAccounts(_ table: inout [String: EmulatorHandler]) {
    }
}
