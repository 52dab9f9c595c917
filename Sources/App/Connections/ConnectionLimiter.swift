import Domain
import Synchronization

/// The open-connection counts behind `ConnectionLimits`, shared by every connection's
/// `ConnectionLimitHandler` (on any event loop, hence the lock; each call holds it for a dictionary update).
final class ConnectionLimiter: Sendable {
    /// Why a connection was refused; the `reason` label of `http_connections_refused_total`.
    enum Refusal: String, Sendable {
        case total = "max_connections"
        case perClient = "max_connections_per_ip"
    }

    let limits: ConnectionLimits
    let trustedProxies: TrustedProxies
    private let metrics: AppMetrics?
    private let counts = Mutex(Counts())

    private struct Counts {
        var open = 0
        /// Open connections per client address; an entry is removed when it drops to zero, so the map holds at
        /// most `limits.total` keys.
        var byClient: [String: Int] = [:]
    }

    init(limits: ConnectionLimits, trustedProxies: TrustedProxies, metrics: AppMetrics?) {
        self.limits = limits
        self.trustedProxies = trustedProxies
        self.metrics = metrics
        metrics?.setOpenConnections(0)
    }

    /// Open connections now (all clients).
    var open: Int { counts.withLock { $0.open } }

    /// Admits a new connection into the total and, when `client` is given, into that client's count; nil
    /// when admitted. A refused connection is not counted.
    func admit(client: String?) -> Refusal? {
        let refusal: Refusal? = counts.withLock { counts in
            guard counts.open < limits.total else { return .total }
            if let client {
                let held = counts.byClient[client, default: 0]
                guard held < limits.perClient else { return .perClient }
                counts.byClient[client] = held + 1
            }
            counts.open += 1
            metrics?.setOpenConnections(counts.open)
            return nil
        }
        if let refusal { metrics?.recordConnectionRefused(reason: refusal.rawValue) }
        return refusal
    }

    /// Charges an admitted connection to `client` instead of `previous` (a proxied connection whose
    /// forwarded client became known or changed); nil when charged. Refused, it is charged to nobody.
    func charge(client: String, previous: String?) -> Refusal? {
        let refused = counts.withLock { counts in
            if let previous { Self.release(previous, in: &counts) }
            let held = counts.byClient[client, default: 0]
            guard held < limits.perClient else { return true }
            counts.byClient[client] = held + 1
            return false
        }
        guard refused else { return nil }
        metrics?.recordConnectionRefused(reason: Refusal.perClient.rawValue)
        return .perClient
    }

    /// A connection admitted by `admit` closed; `client` is whom it was last charged to.
    func release(client: String?) {
        counts.withLock { counts in
            if let client { Self.release(client, in: &counts) }
            counts.open = max(0, counts.open - 1)
            metrics?.setOpenConnections(counts.open)
        }
    }

    private static func release(_ client: String, in counts: inout Counts) {
        guard let held = counts.byClient[client] else { return }
        if held <= 1 { counts.byClient[client] = nil } else { counts.byClient[client] = held - 1 }
    }
}

extension ConnectionLimiter {
    /// The limiter for `config` under the current open-file limit (`serve` has raised it by now).
    convenience init(config: AppConfig, metrics: AppMetrics?) throws {
        let fileLimit = FileDescriptorLimit.current()?.soft ?? 1024
        // Validated when the configuration was loaded.
        let trusted = (try? TrustedProxies(entries: config.trustedProxies)) ?? .none
        self.init(limits: try ConnectionLimits.resolve(config: config, fileLimit: fileLimit), trustedProxies: trusted, metrics: metrics)
    }
}
