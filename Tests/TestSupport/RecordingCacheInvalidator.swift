import Storage

/// The test `CacheInvalidator`: records each eviction in order and evicts nothing.
public final class RecordingCacheInvalidator: CacheInvalidator {
    private let recorded = LockedBox<[CacheEviction]>([])

    public init() {}

    public func evict(_ eviction: CacheEviction) async { recorded.mutate { $0.append(eviction) } }

    /// Every eviction so far, oldest first.
    public var evictions: [CacheEviction] { recorded.value }
}
