/// What systemd tells a service through its environment for the `sd_notify` protocol (systemd.exec(5),
/// sd_notify(3)): `NOTIFY_SOCKET` (where to send notifications) and `WATCHDOG_USEC`/`WATCHDOG_PID` (the
/// watchdog period, and which process it is meant for). Parsed once at start-up in `main`; everything
/// from the environment is bounded, and anything unusable disables that part with a reason to log.
public struct SystemdEnvironment: Sendable, Equatable {
    /// The notification socket, or nil when the process is not run by systemd with `Type=notify`.
    public var socket: NotifySocketAddress?
    /// `WATCHDOG_USEC`: systemd kills the service when no `WATCHDOG=1` arrives within this period.
    public var watchdogTimeout: Duration?
    /// Why a variable that was set is ignored (logged once at start-up).
    public var problems: [String] = []

    /// Not supervised: no notifications, no watchdog (tests, and every run outside systemd).
    public static let absent = SystemdEnvironment(socket: nil, watchdogTimeout: nil)

    /// The longest `WATCHDOG_USEC` taken (a day); longer values, like nonsense, disable the pings, as
    /// systemd itself would never wait that long.
    static let maximumWatchdogMicroseconds: UInt64 = 86_400_000_000

    public init(socket: NotifySocketAddress?, watchdogTimeout: Duration?) {
        self.socket = socket
        self.watchdogTimeout = watchdogTimeout
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`; `pid` is this process's id
    /// (the watchdog is ours only when `WATCHDOG_PID` is absent or names us, as sd_watchdog_enabled(3) says).
    public init(environment: [String: String], pid: Int32) {
        if let value = environment["NOTIFY_SOCKET"], !value.isEmpty {
            do { socket = try NotifySocketAddress(value) } catch { problems.append("NOTIFY_SOCKET ignored: \(error)") }
        }
        guard let usec = environment["WATCHDOG_USEC"], !usec.isEmpty else { return }
        guard socket != nil else {
            problems.append("WATCHDOG_USEC ignored: no usable NOTIFY_SOCKET")
            return
        }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty, Int32(owner) != pid {
            problems.append("WATCHDOG_USEC ignored: WATCHDOG_PID \(owner.prefix(20)) is not this process (\(pid))")
            return
        }
        guard usec.utf8.count <= 20, let micros = UInt64(usec), micros > 0, micros <= Self.maximumWatchdogMicroseconds else {
            problems.append("WATCHDOG_USEC ignored: \(usec.prefix(20)) is not a number of microseconds in 1...\(Self.maximumWatchdogMicroseconds)")
            return
        }
        watchdogTimeout = .microseconds(Int64(micros))
    }

    /// How often to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3) recommends, so one late ping
    /// is not yet fatal.
    public var watchdogPingInterval: Duration? { watchdogTimeout.map { $0 / 2 } }
}

/// The address in `NOTIFY_SOCKET`: an absolute path of an `AF_UNIX` datagram socket, or a Linux abstract
/// socket name written with a leading `@`. The bytes are what goes into `sockaddr_un.sun_path`.
public struct NotifySocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// `sun_path`'s bytes; an abstract name starts with a NUL byte and has no terminator.
    public let pathBytes: [UInt8]
    public let description: String

    /// `sun_path`'s size: a path needs its terminating NUL within it, an abstract name its leading NUL.
    static let sunPathSize = 108

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ value: String) throws {
        let bytes = Array(value.utf8)
        guard !bytes.contains(0) else { throw Invalid(description: "contains a NUL byte") }
        switch bytes.first {
        case UInt8(ascii: "/"):
            pathBytes = bytes
        case UInt8(ascii: "@") where bytes.count > 1:
            pathBytes = [0] + bytes.dropFirst()
        default:
            // systemd may also pass vsock: addresses (for virtual machines); only local sockets are spoken here.
            throw Invalid(description: "'\(value.prefix(40))' is neither an absolute path nor an @abstract name")
        }
        guard pathBytes.count + (pathBytes.first == 0 ? 0 : 1) <= Self.sunPathSize else {
            throw Invalid(description: "longer than a socket address can hold (\(Self.sunPathSize) bytes)")
        }
        description = value
    }

    /// Whether this is a Linux abstract socket name (no file behind it).
    public var isAbstract: Bool { pathBytes.first == 0 }
}
