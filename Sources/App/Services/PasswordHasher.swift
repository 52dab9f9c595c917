import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing, run on the thread pool so the event loop never blocks on it.
public struct PasswordHasher: Sendable {
    /// Cost 10, as the original (API.md §1.6).
    let cost: UInt8

    public init(cost: UInt8 = 10) { self.cost = cost }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
