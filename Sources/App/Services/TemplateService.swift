import Domain
import Store

/// The template marketplace and template creation (public templates, newest first).
struct TemplateService: Sendable {
    let database: AppDatabase
    let clock: any AppClock

    func publicTemplates() async throws -> [BattleTemplate] {
        do { return try await database.publicTemplates() } catch { throw error.asInternal("could not list templates") }
    }

    func create(_ input: TemplateInput, userID: String) async throws -> BattleTemplate {
        let valid = try TemplateRules.validate(input)
        do { return try await database.createTemplate(valid, ownerUserID: userID, now: clock.now()) } catch {
            throw error.asInternal("could not create template")
        }
    }
}
