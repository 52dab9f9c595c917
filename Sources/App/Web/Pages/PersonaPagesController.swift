import Domain
import Hummingbird
import Storage
import Web

/// `/app/personas…`: the owner's personas, with calibration, publishing and today's quota use. The forms
/// post here (they work without JavaScript) and call the same `PersonaService` as `/personas…`.
struct PersonaPagesController: Sendable {
    let kit: PageKit
    let personas: PersonaService
    let digests: DigestService
    /// Cleared after a change a public profile page shows, as the API routes do.
    /// Told after each change to public data (`publicDataChanged`), which clears the public pages on every node.
    let caches: any CacheInvalidator
    let clock: any AppClock

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/personas", use: list)
        routes.on(.post, "/app/personas", use: create)
        routes.on(.get, "/app/personas/{id}", use: detail)
        routes.on(.post, "/app/personas/{id}", use: update)
        routes.on(.post, "/app/personas/{id}/delete", use: delete)
        routes.on(.post, "/app/personas/{id}/publish", use: publish)
        routes.on(.post, "/app/personas/{id}/unpublish", use: unpublish)
        routes.on(.get, "/app/personas/{id}/digest", use: digest)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await listPage(context: context, form: .create())
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let fields = try await kit.forms.read(request, context: context)
        do {
            let persona = try await personas.create(userID: user, input: try PersonaForm.input(fields))
            return HTMLPage.redirect(to: "/app/personas/\(persona.id)")
        } catch {
            let failure = try FormError.from(error)
            return try await listPage(context: context, form: PersonaForm.create().posted(fields, error: failure.message)).failed(failure)
        }
    }

    @Sendable func detail(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await detailPage(id: try personaID(context), context: context)
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try personaID(context)
        let fields = try await kit.forms.read(request, context: context)
        do {
            _ = try await personas.update(id: id, userID: user, input: try PersonaForm.input(fields))
            await caches.publicDataChanged()
            return HTMLPage.redirect(to: "/app/personas/\(id)")
        } catch {
            let failure = try FormError.from(error)
            return try await detailPage(id: id, context: context, edit: (fields, failure.message)).failed(failure)
        }
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try personaID(context)
        let fields = try await kit.forms.read(request, context: context)
        do {
            // The checkbox the browser requires; checked here too, since a form can be posted without it.
            guard fields.has("confirm") else { throw DomainError.invalid("tick the box to confirm the deletion") }
            try await personas.delete(id: id, userID: user)
            await caches.publicDataChanged()
            return HTMLPage.redirect(to: "/app/personas")
        } catch {
            let failure = try FormError.from(error)
            return try await detailPage(id: id, context: context, deleteError: failure.message).failed(failure)
        }
    }

    @Sendable func publish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try personaID(context)
        let fields = try await kit.forms.read(request, context: context)
        do {
            _ = try await personas.publish(id: id, userID: user, slug: try fields.string("slug"), bio: try fields.string("bio"))
            await caches.publicDataChanged()
            return HTMLPage.redirect(to: "/app/personas/\(id)")
        } catch {
            let failure = try FormError.from(error)
            return try await detailPage(id: id, context: context, publish: (fields, failure.message)).failed(failure)
        }
    }

    @Sendable func unpublish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try personaID(context)
        _ = try await kit.forms.read(request, context: context)
        do {
            _ = try await personas.unpublish(id: id, userID: user)
            await caches.publicDataChanged()
            return HTMLPage.redirect(to: "/app/personas/\(id)")
        } catch {
            let failure = try FormError.from(error)
            return try await detailPage(id: id, context: context, unpublishError: failure.message).failed(failure)
        }
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
            activity: "\(Plural.count(dto.digest.stats.posts, "post")) and \(Plural.count(dto.digest.stats.replies, "reply", "replies"))",
            threads: dto.digest.stats.topThreads.map {
                PersonaDigestPage.Thread(
                    postID: $0.postID, preview: $0.postPreview, roomName: $0.roomName,
                    activity: Plural.count($0.activityCount, "activity", "activities"))
            },
            updated: DisplayTime.text(dto.digest.updatedAt))
        return kit.render(page)
    }

    private func listPage(context: AppRequestContext, form: PersonaForm) async throws -> Response {
        let user = try context.requireUser()
        var rows: [PersonaRow] = []
        for persona in try await personas.list(userID: user) {
            rows.append(PersonaRow(id: persona.id, name: persona.fields.name, bio: persona.fields.bio, quota: try await quota(persona)))
        }
        return kit.render(
            PersonasPage(layout: try await kit.layout("Your personas", context: context, nav: .personas), personas: rows, form: form))
    }

    /// The persona page; after a failed post, the form that failed shows what was posted and why it failed.
    private func detailPage(
        id: String, context: AppRequestContext, edit: (FormFields, String)? = nil, publish: (FormFields, String)? = nil,
        unpublishError: String? = nil, deleteError: String? = nil
    ) async throws -> Response {
        let user = try context.requireUser()
        let persona = try await personas.get(id: id, userID: user)
        let stored = try await personas.profile(of: persona)
        let profile = stored.map { ProfileState(isPublic: $0.isPublic, slug: $0.slug, bio: $0.bio, shareURL: "\(kit.shareBase)/p/\($0.slug)") }
        var form = PersonaForm.edit(persona)
        if let (fields, message) = edit { form = form.posted(fields, error: message) }
        let page = PersonaPage(
            layout: try await kit.layout(persona.fields.name, context: context, nav: .personas), id: persona.id,
            name: persona.fields.name, quota: try await quota(persona), form: form, profile: profile,
            publishSlug: publish?.0["slug"] ?? stored?.slug ?? Slug.normalize(persona.fields.name),
            publishBio: publish?.0["bio"] ?? stored?.bio ?? "", publishError: publish?.1,
            unpublishError: unpublishError, deleteError: deleteError)
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
