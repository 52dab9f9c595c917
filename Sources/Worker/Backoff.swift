/// Retry delay: `min(base·2^(n−1)·U[0.8,1.2), cap)`, so jitter never exceeds the cap.
public enum Backoff {
    /// Seconds to wait after failure number `n` (1-based); `jitter` is a value in [0.8, 1.2).
    public static func delay(failure n: Int, base: Double, cap: Double, jitter: Double) -> Double {
        let exponent = Double(max(1, n) - 1)
        let raw = base * pow2(exponent) * jitter
        return max(0, min(raw, cap))
    }

    /// A uniformly random jitter factor in [0.8, 1.2).
    public static func randomJitter() -> Double { Double.random(in: 0.8..<1.2) }

    private static func pow2(_ e: Double) -> Double {
        var v = 1.0
        for _ in 0..<Int(min(e, 60)) { v *= 2 }
        return v
    }
}
