#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`). Every client connection is a file descriptor, so this
/// limit, not memory, is what a flood of idle connections exhausts first.
public struct FileDescriptorLimit: Sendable, Equatable, CustomStringConvertible {
    /// The limit in force.
    public var soft: Int
    /// The ceiling an unprivileged process may raise `soft` to.
    public var hard: Int

    /// Where a larger limit, or "unlimited" (`RLIM_INFINITY`), is capped (Linux refuses a soft limit above `fs.nr_open`, whose
    /// default is 2^20).
    static let unlimitedCap = 1 << 20

    public init(soft: Int, hard: Int) {
        self.soft = soft
        self.hard = hard
    }

    public var description: String { "\(soft)/\(hard)" }

    /// The limit now, or nil where it cannot be read.
    public static func current() -> FileDescriptorLimit? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return FileDescriptorLimit(soft: clamp(limit.rlim_cur), hard: clamp(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one (the packaged unit sets `LimitNOFILE=`; a shell or another
    /// service manager may leave the soft limit at 1,024). Returns the limit before and after; `after`
    /// equals `before` when the raise was refused.
    public static func raiseSoftToHard() -> (before: FileDescriptorLimit, after: FileDescriptorLimit)? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let before = FileDescriptorLimit(soft: clamp(limit.rlim_cur), hard: clamp(limit.rlim_max))
        guard before.soft < before.hard else { return (before, before) }
        limit.rlim_cur = rlim_t(before.hard)
        guard setrlimit(resource, &limit) == 0, let after = current() else { return (before, before) }
        return (before, after)
    }

    private static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(unlimitedCap) ? unlimitedCap : Int(value)
    }

    #if canImport(Glibc)
        private static let resource = Int32(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif
}
