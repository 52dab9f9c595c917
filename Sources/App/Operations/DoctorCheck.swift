import Foundation

/// One line of `personaworlds doctor`: a status word, what was checked, what was found.
public struct DoctorCheck: Sendable, Equatable {
    /// `FAIL` makes `doctor` exit 1; `warn` is worth a look but the installation works.
    public enum Status: String, Sendable {
        case ok = "ok"
        case warn = "warn"
        case fail = "FAIL"
        /// Not run here (the operator console leaves slow checks to the command).
        case skipped = "skip"
    }

    public let status: Status
    public let name: String
    public let detail: String

    public init(_ status: Status, _ name: String, _ detail: String) {
        self.status = status
        self.name = name
        self.detail = detail
    }

    /// `ok   database     /var/lib/…`: fixed columns, so a column of FAILs stands out.
    public var line: String {
        status.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0) + name.padding(toLength: 12, withPad: " ", startingAt: 0) + " " + detail
    }
}

/// Human-readable byte counts (`12.3 MiB`).
public enum ByteSize {
    public static func describe(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
