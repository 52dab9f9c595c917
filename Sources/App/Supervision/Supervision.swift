import Logging
import NIOCore
import ServiceLifecycle

/// The process's supervision parts, made once by the composition root: the executor heartbeat behind
/// `/healthz`, and the systemd notifications (readiness, watchdog, stopping) when systemd runs the service.
struct Supervision: Sendable {
    let heartbeat: ExecutorHeartbeat
    /// Signalled once the process serves: by the HTTP server's `onServerRunning`, or by `serve --worker-only`.
    let readiness: ReadinessSignal
    let supervisor: SystemdSupervisor

    init(systemd: SystemdEnvironment, logger: Logger) {
        for problem in systemd.problems {
            logger.warning("systemd_environment_ignored", metadata: ["detail": .string(problem)])
        }
        heartbeat = ExecutorHeartbeat()
        readiness = ReadinessSignal()
        supervisor = SystemdSupervisor(
            notifier: SystemdNotifier(environment: systemd, logger: logger), pingInterval: systemd.watchdogPingInterval,
            readiness: readiness)
        if let socket = systemd.socket {
            logger.info(
                "systemd_notify",
                metadata: [
                    "socket": .string(socket.description),
                    "watchdog_ping_every": .string(systemd.watchdogPingInterval.map { "\($0)" } ?? "off"),
                ])
        }
    }

    /// To go last in a service list: shutdown runs in reverse order, so `STOPPING=1` goes out first.
    var services: [any Service] { [heartbeat, supervisor] }
}

extension Supervision {
    /// The HTTP server listens: the process is ready (`STATUS=` names the address and what this process runs).
    func serverRunning(_ channel: any Channel, address: String, role: String = "api") {
        let port = channel.localAddress?.port.map(String.init) ?? "?"
        readiness.signal(status: "\(role) listening on \(address):\(port)")
    }
}
