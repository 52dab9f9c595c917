/// The time claims of a signed token (`exp`, `iat`, `nbf`, in seconds since the epoch as decoded), checked against
/// the server's clock before anything converts them.
///
/// The claims come from outside: even with a valid signature a token may carry `exp = 10^13`, a negative `iat`,
/// or a fraction, and converting such a value to microseconds used to trap. Every claim is range-checked here
/// first: whatever is not finite or lies outside the window a token of this kind can occupy is refused, so the
/// conversion that follows is always in range.
public enum TokenRules {
    /// How far ahead of the server's clock a signer's clock may be (`iat` in the future).
    public static let maxClockSkewSeconds: Int64 = 60

    /// When the token expires, or nil when its times are unacceptable at `now`:
    /// - `exp` is required, finite, after `now` (zero leeway, as the contract says) and at most `lifetimeSeconds`
    ///   plus the skew beyond `now` (no token of this kind is issued for longer);
    /// - `iat`, if present, is finite, at most `maxClockSkewSeconds` after `now`, and no earlier than the token's
    ///   longest life before `exp`;
    /// - `nbf`, if present, is finite, not after `now` (zero leeway) and no earlier than `iat`'s lower bound.
    public static func expiry(exp: Double, issuedAt: Double?, notBefore: Double?, now: Timestamp, lifetimeSeconds: Int64) -> Timestamp? {
        let nowSeconds = Double(now.microseconds) / 1e6
        let lifetime = Double(lifetimeSeconds)
        let skew = Double(maxClockSkewSeconds)
        guard exp.isFinite, exp > nowSeconds, exp <= nowSeconds + lifetime + skew else { return nil }
        let earliest = exp - lifetime - skew
        if let iat = issuedAt {
            guard iat.isFinite, iat >= earliest, iat <= nowSeconds + skew else { return nil }
        }
        if let nbf = notBefore {
            guard nbf.isFinite, nbf >= earliest, nbf <= nowSeconds else { return nil }
        }
        // In range by the checks above, so this cannot saturate; saturating anyway keeps it trap-free by construction.
        return Timestamp(microseconds: Int64(saturating: (exp * 1e6).rounded(.down)))
    }
}
