import Domain
import Storage

/// The template marketplace and template creation (public templates, newest first).
struct TemplateService: Sendable {
    let store: any BattleStore
    let clock: any AppClock

    /// The marketplace shows at most this many templates.
    static let publicLimit = 100
    /// The battle form and the templates page list at most this many.
    static let usableLimit = 200

    func publicTemplates() async throws -> [BattleTemplate] {
        do { return try await store.publicTemplates(limit: Self.publicLimit) } catch { throw error.asInternal("could not list templates") }
    }

    /// Every public template and the user's own private ones, newest first.
    func usable(by userID: String) async throws -> [BattleTemplate] {
        do { return try await store.templates(usableBy: userID, limit: Self.usableLimit) } catch {
            throw error.asInternal("could not list templates")
        }
    }

    func create(_ input: TemplateInput, userID: String) async throws -> BattleTemplate {
        let valid = try TemplateRules.validate(input)
        do { return try await store.createTemplate(valid, ownerUserID: userID, now: clock.now()) } catch {
            throw error.asInternal("could not create template")
        }
    }
}
