import Domain
import Foundation
import Logging
import NIOCore
import NIOEmbedded
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
}
