import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerInstance(_ table: inout [String: EmulatorHandler]) {
    }
}
