import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt hashing, run on the thread pool so the event loop never blocks on it.
public struct PasswordHasher: Sendable {
    /// Cost 10, as the original.
    let cost: UInt8
    private let dummy = DummyHash()

    public init(cost: UInt8 = 10) { self.cost = cost }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of a random secret at the same cost, made once on first use, for logins of unknown emails.
    func dummyHash() async throws -> String {
        let (dummy, cost) = (self.dummy, self.cost)
        return try await NIOThreadPool.singleton.runIfActive { dummy.value(cost: cost) }
    }
}

/// Lazily computed dummy hash (computing it at start-up would slow every start by one bcrypt).
private final class DummyHash: Sendable {
    private let stored = Mutex<String?>(nil)

    func value(cost: UInt8) -> String {
        stored.withLock { value in
            if let value { return value }
            let made = Bcrypt.hash(String(UInt64.random(in: .min ... .max), radix: 36) + "-unused", cost: cost)
            value = made
            return made
        }
    }
}
