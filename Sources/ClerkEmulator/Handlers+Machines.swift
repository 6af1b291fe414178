import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerMachines(_ table: inout [String: EmulatorHandler]) {
    }
}
