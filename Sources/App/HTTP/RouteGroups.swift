/// The registrars a controller adds its routes to, one per middleware stack: open, authenticated,
/// optionally authenticated, and each rate-limit class on top of the authentication it keys on.
struct RouteGroups: Sendable {
    /// No authentication.
    let open: RouteRegistrar
    /// Bearer token required.
    let protected: RouteRegistrar
    /// `public_read` limit per client IP, optional authentication (attribution only).
    let publicRead: RouteRegistrar
    /// `public_write` limit per client IP, optional authentication (follow needs to know the caller).
    let publicWrite: RouteRegistrar
    /// `events` limit per client IP, optional authentication (attribution).
    let events: RouteRegistrar
    /// Bearer token required, then `battle_create` per user.
    let battleCreate: RouteRegistrar
    /// Bearer token required, then `template_create` per user.
    let templateCreate: RouteRegistrar
    /// No authentication, `signup` limit per client IP.
    let signup: RouteRegistrar
}
