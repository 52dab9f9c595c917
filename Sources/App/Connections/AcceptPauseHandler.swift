import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Stops the listening socket from spinning when `accept` fails for want of descriptors or memory
/// (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`): accepting pauses for `pause`, then resumes.
///
/// Why this exists although SwiftNIO installs its own `AcceptBackoffHandler` on every listening socket: in the
/// SwiftNIO this is built with, when `accept` fails before anything was accepted in that wake-up, the channel
/// keeps its read pending, so it neither asks the pipeline for the next read (where that handler would delay
/// it) nor drops its interest in the socket, and a level-triggered `epoll` reports the waiting connection again
/// at once. Measured on the binary under `ulimit -n 1024` with 1,100 idle connections: 53,000 failed `accept4`
/// calls in 3 s, a third of a core, `/healthz` unanswered, and then libdispatch aborted the process (its
/// worker-pool monitor cannot open `/proc` without a descriptor). Turning `autoRead` off makes the channel
/// drop its `epoll` interest; turning it back on re-registers it.
///
/// Installed first in the listening channel's pipeline (`Application`'s `onServerRunning`), so it sees the
/// error before anything else. The connection caps (`ConnectionLimits`) keep the server below the open-file
/// limit in the first place; this is the defence for when something else used the reserve up.
final class AcceptPauseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    /// How long accepting pauses: long enough that a server out of descriptors costs nothing while it waits
    /// for connections to close, short enough that it serves again soon after they do.
    static let pause = TimeAmount.milliseconds(100)
    /// `accept` errors that a pause can cure.
    static let recoverable: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM]

    private let logger: Logger
    private var resume: Scheduled<Void>?
    /// Whether a connection was accepted since the last pause (one log line per episode, not per retry).
    private var acceptedSincePause = true

    init(logger: Logger) { self.logger = logger }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        acceptedSincePause = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let failure = error as? IOError, Self.recoverable.contains(failure.errnoCode), resume == nil,
            let options = context.channel.syncOptions
        {
            if acceptedSincePause {
                acceptedSincePause = false
                logger.warning(
                    "accept_paused",
                    metadata: ["errno": .stringConvertible(failure.errnoCode), "error": .string(String(describing: failure))])
            }
            try? options.setOption(ChannelOptions.autoRead, value: false)
            resume = context.eventLoop.assumeIsolated().scheduleTask(in: Self.pause) {
                self.resume = nil
                try? options.setOption(ChannelOptions.autoRead, value: true)
            }
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension AcceptPauseHandler: Sendable {}

extension AcceptPauseHandler {
    /// An `Application`'s `onServerRunning`: puts the handler first in the listening channel's pipeline.
    static func install(logger: Logger) -> @Sendable (any Channel) async -> Void {
        { channel in
            do {
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(logger: logger), position: .first)
                }.get()
            } catch {
                logger.warning("accept_pause_not_installed", metadata: ["error": .string(String(describing: error))])
            }
        }
    }
}
