import Domain
import Storage

/// The one rule for who is an admin: the stored role (`users.is_admin`, set by `personaworlds admin grant` or
/// bootstrapped from `ADMIN_EMAILS`). The analytics summary and the operator console both ask here.
struct AdminRole: Sendable {
    let store: any AccountStore

    /// Throws `403 forbidden` unless `user` holds the admin role; `context` names what was being done for the
    /// internal error when the role cannot be read.
    func require(_ user: String, context: String) async throws {
        let admin: Bool
        do { admin = try await store.isAdmin(userID: user) } catch { throw error.asInternal(context) }
        guard admin else { throw DomainError.forbidden("forbidden") }
    }
}
