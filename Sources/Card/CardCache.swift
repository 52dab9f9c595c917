import Synchronization

/// A thread-safe LRU cache of rendered cards keyed by `"<battle_id>|<version of what the card draws>"`.
/// `get` refreshes recency; at capacity, `set` of a new key evicts the least recently used entry.
public final class CardCache: Sendable {
    public let capacity: Int
    private let state: Mutex<LRUList>

    public init(capacity: Int = 256) {
        precondition(capacity > 0, "CardCache capacity must be positive")
        self.capacity = capacity
        state = Mutex(LRUList(capacity: capacity))
    }

    /// The cached value, marking it most recently used.
    public func get(_ key: String) -> [UInt8]? {
        state.withLock { $0.get(key) }
    }

    /// Stores a value as most recently used (replacing any value for the key).
    public func set(_ key: String, _ value: [UInt8]) {
        state.withLock { $0.set(key, value) }
    }

    /// Drops every entry of a battle: keys equal to `battleID` or starting with `battleID + "|"`.
    public func invalidate(prefix battleID: String) {
        let prefix = battleID + "|"
        state.withLock { list in
            list.removeAll { $0 == battleID || $0.hasPrefix(prefix) }
        }
    }

    /// Number of entries.
    public var count: Int {
        state.withLock { $0.count }
    }

    /// Keys from most to least recently used.
    public var keysByRecency: [String] {
        state.withLock { $0.keysByRecency() }
    }
}

/// Dictionary + index-linked doubly linked list: O(1) get, set and eviction.
struct LRUList: ~Copyable {
    private struct Node {
        var key: String
        var value: [UInt8]
        var previous: Int
        var next: Int
    }

    private let capacity: Int
    private var index: [String: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    /// Most recently used node (-1 when empty).
    private var head = -1
    /// Least recently used node (-1 when empty).
    private var tail = -1

    init(capacity: Int) {
        self.capacity = capacity
        index.reserveCapacity(capacity)
    }

    var count: Int { index.count }

    mutating func get(_ key: String) -> [UInt8]? {
        guard let i = index[key] else { return nil }
        moveToFront(i)
        return nodes[i].value
    }

    mutating func set(_ key: String, _ value: [UInt8]) {
        if let i = index[key] {
            nodes[i].value = value
            moveToFront(i)
            return
        }
        if index.count >= capacity, tail >= 0 { remove(tail) }
        let node = Node(key: key, value: value, previous: -1, next: head)
        let i: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            i = reused
        } else {
            nodes.append(node)
            i = nodes.count - 1
        }
        if head >= 0 { nodes[head].previous = i }
        head = i
        if tail < 0 { tail = i }
        index[key] = i
    }

    mutating func removeAll(where shouldRemove: (String) -> Bool) {
        var i = head
        while i >= 0 {
            let next = nodes[i].next
            if shouldRemove(nodes[i].key) { remove(i) }
            i = next
        }
    }

    func keysByRecency() -> [String] {
        var keys: [String] = []
        var i = head
        while i >= 0 {
            keys.append(nodes[i].key)
            i = nodes[i].next
        }
        return keys
    }

    private mutating func unlink(_ i: Int) {
        let (previous, next) = (nodes[i].previous, nodes[i].next)
        if previous >= 0 { nodes[previous].next = next } else { head = next }
        if next >= 0 { nodes[next].previous = previous } else { tail = previous }
        nodes[i].previous = -1
        nodes[i].next = -1
    }

    private mutating func moveToFront(_ i: Int) {
        guard head != i else { return }
        unlink(i)
        nodes[i].next = head
        if head >= 0 { nodes[head].previous = i }
        head = i
        if tail < 0 { tail = i }
    }

    private mutating func remove(_ i: Int) {
        unlink(i)
        index[nodes[i].key] = nil
        nodes[i].key = ""
        nodes[i].value = []
        free.append(i)
    }
}
