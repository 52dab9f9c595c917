/// Float-to-integer conversions that cannot trap.
///
/// `Int64(someDouble)` traps when the value is NaN, infinite or outside the integer's range, so any such
/// conversion of a value that came from outside (a token claim, a configured duration, a computed deadline)
/// is a crash waiting for an input. Every such site goes through these initialisers instead: the value is
/// rounded toward zero and clamped to the type's range, and NaN becomes 0.
extension Int64 {
    /// `value` rounded toward zero and clamped to `Int64.min...Int64.max`; NaN is 0.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9_223_372_036_854_775_807.0 {
            // Double(Int64.max) rounds up to 2^63, which does not fit, so the comparison includes it.
            self = .max
        } else if value <= -9_223_372_036_854_775_808.0 {
            self = .min
        } else {
            self = Int64(value)
        }
    }
}

extension UInt64 {
    /// `value` rounded toward zero and clamped to `0...UInt64.max`; NaN and negatives are 0.
    public init(saturating value: Double) {
        if value.isNaN || value <= 0 {
            self = 0
        } else if value >= 18_446_744_073_709_551_615.0 {
            self = .max
        } else {
            self = UInt64(value)
        }
    }
}

extension Int {
    /// `value` rounded toward zero and clamped to `Int.min...Int.max`; NaN is 0.
    public init(saturating value: Double) { self = Int(Int64(saturating: value)) }
}
