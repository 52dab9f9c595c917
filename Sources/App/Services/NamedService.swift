import ServiceLifecycle

/// A background service under a short name: its type's, the one a service group's logs and errors show for it.
///
/// Why: a service group names each service it is given by interpolating it (`"\(service)"`). A struct without a
/// description of its own is then printed by reflection, every stored property and every property of those in turn,
/// each type's protocol conformances looked up on the way (the first lookup of a type scans the whole binary's
/// conformance records). At start-up that was about 28 ms of CPU per process, a sixth of what a
/// `serve --worker-only` start costs (`perf record` of one), and each name was several kilobytes of log metadata.
struct NamedService: Service, CustomStringConvertible {
    let service: any Service
    let description: String

    init(_ service: any Service) {
        self.service = service
        description = Self.name(of: service)
    }

    func run() async throws { try await service.run() }

    /// The type's name without its module; a service that waits for the start-up is named for what it runs.
    static func name(of service: any Service) -> String {
        if let waiting = service as? AfterStartup { return name(of: waiting.service) }
        return _typeName(type(of: service), qualified: false)
    }
}
