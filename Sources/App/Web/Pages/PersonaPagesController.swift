import Domain
import Hummingbird
import Storage

/// `/app/personas…`: the owner's personas, with calibration, publishing and today's quota use.
struct PersonaPagesController: Sendable {
    let kit: PageKit
    let personas: PersonaService
    let digests: DigestService
    let clock: any AppClock

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/personas", use: list)
        routes.on(.get, "/app/personas/{id}", use: detail)
        routes.on(.get, "/app/personas/{id}/digest", use: digest)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var rows: [PersonaRow] = []
        for persona in try await personas.list(userID: user) {
            rows.append(PersonaRow(id: persona.id, name: persona.fields.name, bio: persona.fields.bio, quota: try await quota(persona)))
        }
        return kit.render(
            PersonasPage(
                layout: try await kit.layout("Your personas", context: context, nav: .personas),
                personas: rows, form: .create()))
    }

    @Sendable func detail(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let persona = try await personas.get(id: try personaID(context), userID: user)
        let stored = try await personas.profile(of: persona)
        let profile = stored.map { ProfileState(isPublic: $0.isPublic, slug: $0.slug, bio: $0.bio, shareURL: "\(kit.shareBase)/p/\($0.slug)") }
        let page = PersonaPage(
            layout: try await kit.layout(persona.fields.name, context: context, nav: .personas), id: persona.id,
            name: persona.fields.name, quota: try await quota(persona), form: .edit(persona), profile: profile,
            suggestedSlug: Slug.normalize(persona.fields.name))
        return kit.render(page)
    }

    @Sendable func digest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try personaID(context)
        let persona = try await personas.get(id: id, userID: user)
        var view = try await digests.personaDigest(personaID: id, userID: user, latest: false)
        if !view.exists { view = try await digests.personaDigest(personaID: id, userID: user, latest: true) }
        let dto = PersonaDigestResponseDTO(view)
        let page = PersonaDigestPage(
            layout: try await kit.layout("Daily digest: \(persona.fields.name)", context: context, nav: .personas),
            personaID: id, personaName: persona.fields.name, digest: dto.digest, exists: dto.exists,
            threads: dto.digest.stats.topThreads, updated: DisplayTime.text(dto.digest.updatedAt))
        return kit.render(page)
    }

    private func quota(_ persona: Persona) async throws -> QuotaView {
        let used = try await personas.quotaUse(of: persona)
        return QuotaView(
            draftsUsed: used.drafts, draftQuota: persona.fields.dailyDraftQuota,
            repliesUsed: used.replies, replyQuota: persona.fields.dailyReplyQuota)
    }

    private func personaID(_ context: AppRequestContext) throws -> String {
        try Identifiers.uuid(context.pathParameter("id"), label: "persona id")
    }
}
