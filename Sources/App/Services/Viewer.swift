import Domain

/// Who is looking, for the events a view records: the signed-in user, if any, and the client address (the
/// anonymous actor of DECISIONS 28).
struct Viewer: Sendable {
    let userID: String?
    let clientIP: String
}

extension AppRequestContext {
    /// The request's viewer.
    var viewer: Viewer { Viewer(userID: userID, clientIP: clientIP) }
}
