import Logging

/// One state change told to systemd (the assignments of sd_notify(3) this service uses).
public enum SystemdNotification: Sendable, Equatable {
    /// Start-up is complete: systemd marks a `Type=notify` unit active only now.
    case ready
    /// Free text shown by `systemctl status`.
    case status(String)
    /// Graceful shutdown has begun.
    case stopping
    /// "Still alive": resets the `WatchdogSec=` timer.
    case watchdog

    /// The longest `STATUS=` text sent; systemd shows one line.
    static let maximumStatusLength = 200

    var assignment: String {
        switch self {
        case .ready: return "READY=1"
        case .stopping: return "STOPPING=1"
        case .watchdog: return "WATCHDOG=1"
        case .status(let text):
            // One line, bounded: a newline would start another assignment.
            let line = String(text.map { $0.isNewline ? " " : $0 }.prefix(Self.maximumStatusLength))
            return "STATUS=\(line)"
        }
    }
}

/// Sends notifications to systemd when it supervises the process, and does nothing otherwise. A failed
/// send is logged and never fails the caller: supervision must not take the service down.
public struct SystemdNotifier: Sendable {
    let transport: (any NotifyTransport)?
    let logger: Logger

    public init(transport: (any NotifyTransport)?, logger: Logger) {
        self.transport = transport
        self.logger = logger
    }

    /// The notifier for this process's environment (a no-op outside systemd).
    public init(environment: SystemdEnvironment, logger: Logger) {
        self.init(transport: environment.socket.map { NotifySocket(address: $0) }, logger: logger)
    }

    public var isEnabled: Bool { transport != nil }

    public func send(_ notifications: SystemdNotification...) {
        guard let transport, !notifications.isEmpty else { return }
        let datagram = notifications.map(\.assignment).joined(separator: "\n")
        do {
            try transport.send(Array(datagram.utf8))
        } catch {
            logger.warning("systemd_notify_failed", metadata: ["message": .string(datagram), "error": .string("\(error)")])
        }
    }
}
