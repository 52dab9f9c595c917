/// The `Host` header values a production server answers (DNS-rebinding defence): `FRONTEND_ORIGIN`'s host,
/// the `ALLOWED_HOSTS` names, and always loopback (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`) so health
/// checks and scrapes on the machine itself keep working. Names compare case-insensitively and without the
/// port: a rebinding page's `Host` is the attacker's own name, whatever the port. `ALLOWED_HOSTS=*` turns
/// the check off.
///
/// A page on a name the attacker controls that resolves to this machine is same-origin with that name in
/// the browser, so without this check it could read `/metrics` or the API on behalf of whoever loads it.
struct HostAllowList: Sendable {
    let names: Set<String>
    let anyHost: Bool

    init(config: AppConfig) { self.init(frontendOrigin: config.frontendOrigin, allowedHosts: config.allowedHosts) }

    init(frontendOrigin: String, allowedHosts: [String]) {
        var names = Set(allowedHosts.compactMap { HostName($0)?.name })
        if let frontend = WebOrigin(frontendOrigin, allowPath: true) { names.insert(frontend.host) }
        anyHost = names.contains("*")
        self.names = names
    }

    /// Whether a request with this `Host` header (nil: none sent) is served.
    func allows(_ header: String?) -> Bool {
        if anyHost { return true }
        guard let header, let host = HostName(header), host.name != "*" else { return false }
        return names.contains(host.name) || host.isLoopback
    }
}
