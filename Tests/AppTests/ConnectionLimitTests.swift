import Domain
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import TestSupport
import Testing

@testable import App

/// `MAX_CONNECTIONS` / `MAX_CONNECTIONS_PER_IP` arithmetic and counting, the open-file limit, and the pause on a
/// failing `accept` (the listening socket's behaviour end to end is in `ConnectionLimitProcessTests`).
@Suite struct ConnectionLimitTests {
    @Test func theDefaultTotalKeepsAReserveBelowTheOpenFileLimit() throws {
        let config = try AppConfig(values: [:])
        let reserve = ConnectionLimits.reserve(workerConcurrency: config.workerConcurrency)
        #expect(reserve == 128 + 8 * 4)
        let limits = try ConnectionLimits.resolve(config: config, fileLimit: 1024)
        #expect(limits == ConnectionLimits(total: 1024 - reserve, perClient: 256))
        #expect(!limits.eatsIntoReserve(fileLimit: 1024, workerConcurrency: config.workerConcurrency))
        #expect(try ConnectionLimits.resolve(config: config, fileLimit: 65_536).total == 65_536 - reserve)
        // A limit too small for the reserve still serves, on half of it (and start-up warns).
        let tiny = try ConnectionLimits.resolve(config: config, fileLimit: 200)
        #expect(tiny == ConnectionLimits(total: 100, perClient: 100))
        #expect(tiny.eatsIntoReserve(fileLimit: 200, workerConcurrency: config.workerConcurrency))
    }

    @Test func aConfiguredTotalMustLeaveTheReserveFree() throws {
        let fits = try AppConfig(values: ["MAX_CONNECTIONS": "864", "MAX_CONNECTIONS_PER_IP": "1000"])
        #expect(try ConnectionLimits.resolve(config: fits, fileLimit: 1024) == ConnectionLimits(total: 864, perClient: 864))
        let tooMany = try AppConfig(values: ["MAX_CONNECTIONS": "865"])
        #expect {
            _ = try ConnectionLimits.resolve(config: tooMany, fileLimit: 1024)
        } throws: { error in
            (error as? ConfigError)?.variable == "MAX_CONNECTIONS" && "\(error)".contains("at most 864")
        }
    }

    @Test(arguments: [("MAX_CONNECTIONS", "0"), ("MAX_CONNECTIONS", "many"), ("MAX_CONNECTIONS_PER_IP", "0"), ("MAX_CONNECTIONS_PER_IP", "-3")])
    func badConnectionCapsNameTheirVariable(variable: String, value: String) {
        #expect {
            _ = try AppConfig(values: [variable: value])
        } throws: { error in
            (error as? ConfigError)?.variable == variable
        }
    }

    @Test func thePerClientCapRefusesOnlyThatClientAndAClosedConnectionFreesItsSlot() {
        let limiter = ConnectionLimiter(limits: .init(total: 5, perClient: 2), trustedProxies: .none, metrics: nil)
        #expect(limiter.admit(client: "10.0.0.1") == nil)
        #expect(limiter.admit(client: "10.0.0.1") == nil)
        #expect(limiter.admit(client: "10.0.0.1") == .perClient)
        #expect(limiter.admit(client: "10.0.0.2") == nil)
        #expect(limiter.open == 3)
        limiter.release(client: "10.0.0.1")
        #expect(limiter.admit(client: "10.0.0.1") == nil)
        #expect(limiter.open == 3)
    }

    @Test func theTotalCapRefusesEveryoneUntilAConnectionCloses() {
        let limiter = ConnectionLimiter(limits: .init(total: 3, perClient: 3), trustedProxies: .none, metrics: nil)
        for client in ["a", "b", nil] { #expect(limiter.admit(client: client) == nil) }
        #expect(limiter.admit(client: "c") == .total)
        #expect(limiter.admit(client: nil) == .total)
        limiter.release(client: nil)
        #expect(limiter.admit(client: "c") == nil)
    }

    @Test func aProxiedConnectionIsChargedToItsForwardedClientAndRechargedWhenTheClientChanges() {
        let limiter = ConnectionLimiter(limits: .init(total: 10, perClient: 1), trustedProxies: .none, metrics: nil)
        #expect(limiter.admit(client: nil) == nil)
        #expect(limiter.admit(client: nil) == nil)
        #expect(limiter.charge(client: "203.0.113.7", previous: nil) == nil)
        #expect(limiter.charge(client: "203.0.113.7", previous: nil) == .perClient)
        // The first connection's next request comes from another client: the first client's slot is free again.
        #expect(limiter.charge(client: "203.0.113.8", previous: "203.0.113.7") == nil)
        #expect(limiter.charge(client: "203.0.113.7", previous: nil) == nil)
        #expect(limiter.open == 2)
    }

    @Test func theRefusalsAndOpenConnectionsAreExported() throws {
        let metrics = AppMetrics(registry: .init(), clock: SystemClock())
        let limiter = ConnectionLimiter(limits: .init(total: 2, perClient: 1), trustedProxies: .none, metrics: metrics)
        _ = limiter.admit(client: "a")
        _ = limiter.admit(client: "a")
        _ = limiter.admit(client: "b")
        _ = limiter.admit(client: "c")
        let text = metrics.render(now: SystemClock().now())
        #expect(text.contains("http_connections_open 2"))
        #expect(text.contains(#"http_connections_refused_total{reason="max_connections_per_ip"} 1"#))
        #expect(text.contains(#"http_connections_refused_total{reason="max_connections"} 1"#))
    }

    @Test func startUpRaisesTheSoftFileLimitToTheHardOne() throws {
        let (_, after) = try #require(FileDescriptorLimit.raiseSoftToHard())
        let now = try #require(FileDescriptorLimit.current())
        #expect(now == after)
        #expect(now.soft == min(now.hard, FileDescriptorLimit.unlimitedCap))
    }

    @Test func aFailingAcceptPausesAcceptingAndResumesAfterThePause() throws {
        let channel = EmbeddedChannel(handler: AcceptPauseHandler(logger: Logger(label: "test")))
        func autoRead() -> Bool? { channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }?.value as? Bool }
        #expect(autoRead() == nil)
        channel.pipeline.fireErrorCaught(IOError(errnoCode: ECONNABORTED, reason: "accept"))
        #expect(autoRead() == nil, "an error a pause does not cure changes nothing")
        #expect(throws: IOError.self) { try channel.throwIfErrorCaught() }
        channel.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept"))
        #expect(autoRead() == false)
        #expect(throws: IOError.self, "the error still reaches the rest of the pipeline") { try channel.throwIfErrorCaught() }
        channel.embeddedEventLoop.advanceTime(by: AcceptPauseHandler.pause - .milliseconds(1))
        #expect(autoRead() == false)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(autoRead() == true)
        _ = try? channel.finish()
    }

    /// A connection from the trusted proxy 127.0.0.4, as the HTTP pipeline hands it to the handler.
    static func proxied(_ limiter: ConnectionLimiter) throws -> (channel: EmbeddedChannel, closed: () -> Bool) {
        let channel = EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: "127.0.0.4", port: 40_000)
        try channel.pipeline.syncOperations.addHandler(ConnectionLimitHandler(limiter: limiter))
        channel.pipeline.fireChannelActive()
        let closed = LockedBox(false)
        channel.closeFuture.whenComplete { _ in closed.mutate { $0 = true } }
        return (
            channel,
            {
                channel.embeddedEventLoop.run()
                return closed.value
            }
        )
    }

    static func request(from client: String) -> HTTPRequestPart {
        .head(
            HTTPRequest(
                method: .get, scheme: nil, authority: "localhost", path: "/healthz", headerFields: [HTTPField.Name("X-Forwarded-For")!: client]))
    }

    @Test func aProxiedRequestOverItsClientsCapGetsA503UnlessAResponseIsStillOwed() throws {
        let limiter = ConnectionLimiter(
            limits: .init(total: 10, perClient: 1), trustedProxies: try TrustedProxies(parsing: "127.0.0.4"), metrics: nil)
        let first = try Self.proxied(limiter)
        try first.channel.writeInbound(Self.request(from: "203.0.113.7"))
        #expect(try first.channel.readInbound(as: HTTPRequestPart.self) != nil, "the first request of a client is passed on")

        let second = try Self.proxied(limiter)
        try second.channel.writeInbound(Self.request(from: "203.0.113.7"))
        #expect(try second.channel.readInbound(as: HTTPRequestPart.self) == nil, "the request over the cap is not passed on")
        guard case .head(let head) = try second.channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(head.status == .serviceUnavailable && head.headerFields[.connection] == "close")
        guard case .body(let body) = try second.channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response body")
            return
        }
        #expect(String(buffer: body) == "{\"error\":\"too many connections\"}\n")
        #expect(second.closed())

        // The first connection still owes its response when a pipelined request for another capped client
        // arrives: a 503 would overtake that response, so the connection is only closed.
        let third = try Self.proxied(limiter)
        try third.channel.writeInbound(Self.request(from: "203.0.113.8"))
        try first.channel.writeInbound(Self.request(from: "203.0.113.8"))
        #expect(try first.channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(first.closed())
        #expect(!third.closed())
        #expect(limiter.open == 1, "the closed connections gave their slots back")
    }
}
