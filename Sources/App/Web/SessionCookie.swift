import Hummingbird

/// The browser session: the login JWT in an `HttpOnly`, `SameSite=Lax` cookie, set only by the pages'
/// login and signup forms. Script cannot read it, and it never appears in a URL.
struct SessionCookie: Sendable {
    static let name = "pw_session"
    /// `SECURE_COOKIES`: adds `Secure` so the cookie only travels over HTTPS.
    let secure: Bool

    func set(_ token: String) -> String {
        "\(Self.name)=\(token); Path=/; Max-Age=\(TokenService.lifetime); HttpOnly\(secure ? "; Secure" : ""); SameSite=Lax"
    }

    func clear() -> String {
        "\(Self.name)=; Path=/; Max-Age=0; HttpOnly\(secure ? "; Secure" : ""); SameSite=Lax"
    }

    /// The session token a request carries, if any (every `Cookie` header is searched).
    static func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard trimmed.hasPrefix("\(name)=") else { continue }
                let value = trimmed.dropFirst(name.count + 1)
                if !value.isEmpty { return String(value) }
            }
        }
        return nil
    }
}
