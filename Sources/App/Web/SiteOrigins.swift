/// The origins this server's pages are served from, which alone may post its forms and cookie-authenticated
/// requests: `FRONTEND_ORIGIN` (the public address), and the origin a request addresses directly, made of its
/// `Host` and the scheme the server is reached by (`https` when `SECURE_COOKIES` is on, since the session
/// cookie only travels over HTTPS then; `http` otherwise). Scheme, host and port must all match: a page on
/// `http://` or on another port of the same host is another site.
struct SiteOrigins: Sendable {
    let frontend: WebOrigin?
    let directScheme: String

    init(frontendOrigin: String, secureCookies: Bool) {
        frontend = WebOrigin(frontendOrigin, allowPath: true)
        directScheme = secureCookies ? "https" : "http"
    }

    init(config: AppConfig) { self.init(frontendOrigin: config.frontendOrigin, secureCookies: config.secureCookies) }

    /// Whether `origin` (an `Origin` header) is this site, for a request whose `Host` is `host`. `null` and
    /// anything that is not an http(s) origin is not.
    func contains(origin: String, host: String?) -> Bool {
        guard let origin = WebOrigin(origin) else { return false }
        if origin == frontend { return true }
        guard let host, let direct = HostName(host), direct.name != "*" else { return false }
        return origin == WebOrigin(scheme: directScheme, host: direct)
    }
}
