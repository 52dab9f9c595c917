/// `POST /auth/signup` body.
struct SignupRequest: StrictDecodable {
    static let fieldNames = ["email", "password", "share_slug"]
    let email: String
    let password: String
    let shareSlug: String

    init(_ r: JSONObjectReader) throws {
        email = try r.string("email")
        password = try r.string("password")
        shareSlug = try r.string("share_slug")
    }
}

/// `POST /auth/login` body.
struct LoginRequest: StrictDecodable {
    static let fieldNames = ["email", "password"]
    let email: String
    let password: String

    init(_ r: JSONObjectReader) throws {
        email = try r.string("email")
        password = try r.string("password")
    }
}

/// `{token, user_id}`.
struct TokenResponse: Encodable, Sendable {
    let token: String
    let userID: String

    enum CodingKeys: String, CodingKey { case token, userID = "user_id" }
}

/// `POST /auth/logout-all`: how many sessions ended.
struct LogoutAllDTO: Encodable, Sendable {
    let revoked: Int
}
