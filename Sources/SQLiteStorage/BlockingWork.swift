import Foundation
import Storage

/// Runs work that blocks its thread (a whole-file check, an fsync) on a thread of its own, so it never holds one of
/// the few threads of Swift's cooperative pool: on Linux that pool and libdispatch's workers are the same threads,
/// and every request, the worker loops and GRDB's reader queues need them. For rare, long operations only (a thread
/// per call).
public enum BlockingWork {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.start()
        }
    }
}
