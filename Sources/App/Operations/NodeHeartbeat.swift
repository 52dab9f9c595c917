import Domain
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Every process sharing the database says it is alive: one row per process start (`OperationsStore.heartbeat`), with
/// its role, version, host and pid, refreshed every `interval`. The operator console lists the processes heard from
/// within `liveWindow`, so a split deployment (`serve --no-worker` beside `serve --worker-only`) shows each part, and
/// a stopped or wedged one drops off the list within a minute.
struct NodeHeartbeat: Service {
    /// Seconds between heartbeats.
    static let interval = 10.0
    /// A node is live while its last heartbeat is at most this old: several missed beats, not one slow write.
    static let liveWindow = 60.0

    /// What `serve` runs in this process.
    enum Role: String, Sendable {
        case all, http, worker

        init(servesHTTP: Bool, runsWorker: Bool) {
            self = servesHTTP ? (runsWorker ? .all : .http) : .worker
        }
    }

    let store: any OperationsStore
    let node: NodeInfo
    let clock: any AppClock
    let logger: Logger

    /// This process, with a fresh random id (a restart is a new node; the old row ages out).
    static func node(role: Role, clock: any AppClock) -> NodeInfo {
        NodeInfo(
            id: UUID().uuidString.lowercased(), role: role.rawValue, version: AppVersion.current,
            host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier), startedAt: clock.now())
    }

    func run() async throws {
        await beat()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(nanoseconds: UInt64(Self.interval * 1e9)) }
            } catch {
                return
            }
            await beat()
        }
    }

    /// One heartbeat; a failure is logged and the next beat tries again.
    func beat() async {
        do { try await store.heartbeat(node, now: clock.now()) } catch {
            logger.warning("node_heartbeat_failed", metadata: ["detail": .string("\(error)")])
        }
    }
}
