import Domain
import NIOCore
import NIOHTTPTypes

#if canImport(Glibc)
    import Glibc
#endif

/// `API_READ_TIMEOUT`, `API_WRITE_TIMEOUT` and `API_IDLE_TIMEOUT` on one HTTP/1 connection: whichever phase the
/// connection is in has a deadline, and a connection past it is closed, so slow or idle clients (slowloris)
/// cannot hold sockets and memory for ever.
///
/// - Reading: a new connection's first request (head and body) must arrive within the read timeout of the
///   accept; a later request's body within the read timeout of its head. The decoder sits before this handler,
///   so a head sent byte by byte produces nothing here and the deadline set at the accept (or at the last
///   response) keeps running.
/// - Writing: once a request is read, its response must be handed to the kernel (the `.end` part's write
///   completes) within the write timeout, and by the same deadline the kernel must have sent all of it
///   (`TCPSendQueue`): a client that stops reading cannot park a response in the process's memory nor, for
///   longer than the write timeout, in the kernel's (which takes a few megabytes per socket on its own).
/// - Idle: between requests on a kept-alive connection, the next head must arrive within the idle timeout.
///
/// Hummingbird's own `idleTimeout` is left unset: it only counts decoded parts, so it cannot bound a slow body.
/// One handler per connection, only ever used on that connection's event loop.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The three limits, from the configuration.
    struct Timeouts: Sendable {
        var read: TimeAmount
        var write: TimeAmount
        var idle: TimeAmount

        init(read: Double, write: Double, idle: Double) {
            self.read = .nanoseconds(Int64(saturating: read * 1e9))
            self.write = .nanoseconds(Int64(saturating: write * 1e9))
            self.idle = .nanoseconds(Int64(saturating: idle * 1e9))
        }
    }

    private let timeouts: Timeouts
    private var active = false
    /// Requests whose head has arrived on this connection.
    private var requestsSeen = 0
    /// A request head has arrived and its end has not.
    private var readingRequest = false
    /// Requests read whose response has not been flushed yet.
    private var awaitingResponses = 0
    private var readDeadline: NIODeadline = .distantFuture
    private var writeDeadline: NIODeadline = .distantFuture
    /// Set when the last response is flushed; `distantFuture` while a request is in progress or none was served.
    private var idleDeadline: NIODeadline = .distantFuture
    /// The flushed response's write deadline, by which the kernel must have sent it; `distantFuture` when there
    /// is nothing to check.
    private var drainDeadline: NIODeadline = .distantFuture
    /// One timer per connection. A later deadline does not move it (it re-arms itself when it fires early), so
    /// a request costs no timer churn; only an earlier deadline reschedules it.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline = .distantFuture

    init(timeouts: Timeouts) { self.timeouts = timeouts }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimer() }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            // The first request keeps the deadline counted from the accept; a later one gets its own from its head.
            if requestsSeen > 0 { readDeadline = .now() + timeouts.read }
            requestsSeen += 1
            readingRequest = true
            idleDeadline = .distantFuture
            // The next response's own write deadline takes over; what is still queued is sent before it.
            drainDeadline = .distantFuture
            awaitingResponses += 1
            arm(context)
        case .body:
            break
        case .end:
            readingRequest = false
            writeDeadline = .now() + timeouts.write
            arm(context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        let flushed = context.eventLoop.makePromise(of: Void.self)
        flushed.futureResult.assumeIsolated().whenComplete { result in
            self.responseFlushed(context)
            switch result {
            case .success: promise?.succeed()
            case .failure(let error): promise?.fail(error)
            }
        }
        context.write(data, promise: flushed)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !active else { return }
        active = true
        readDeadline = .now() + timeouts.read
        arm(context)
    }

    private func responseFlushed(_ context: ChannelHandlerContext) {
        awaitingResponses = max(0, awaitingResponses - 1)
        if awaitingResponses == 0 && !readingRequest {
            idleDeadline = .now() + timeouts.idle
            drainDeadline = writeDeadline
        }
        arm(context)
    }

    /// The deadline of the phase the connection is in now.
    private var currentDeadline: NIODeadline {
        if readingRequest { return readDeadline }
        if awaitingResponses > 0 { return writeDeadline }
        return requestsSeen == 0 ? readDeadline : min(idleDeadline, drainDeadline)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard active else { return }
        let deadline = currentDeadline
        guard timer == nil || deadline < timerDeadline else { return }
        cancelTimer()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            self.timerDeadline = .distantFuture
            guard self.active else { return }
            let now = NIODeadline.now()
            guard self.currentDeadline <= now else { return self.arm(context) }
            if !self.readingRequest && self.awaitingResponses > 0 {
                self.abort(context)
            } else if self.isDraining {
                // The write deadline of the last response, or the idle one before it: either way the kernel must
                // have sent that response by now.
                self.checkDrained(context, closeAnyway: self.idleDeadline <= now)
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// Between requests, with a flushed response whose write deadline has not been checked yet.
    private var isDraining: Bool { !readingRequest && awaitingResponses == 0 && requestsSeen > 0 && drainDeadline != .distantFuture }

    /// Resets the connection if the kernel still holds part of the last response (the client has not read it);
    /// otherwise closes it (`closeAnyway`: the idle timeout is due) or lets the idle timeout run.
    private func checkDrained(_ context: ChannelHandlerContext, closeAnyway: Bool) {
        drainDeadline = .distantFuture
        let proceed = {
            if closeAnyway { context.close(promise: nil) } else { self.arm(context) }
        }
        guard let unsent = TCPSendQueue.unsentBytes(context.channel) else { return proceed() }
        unsent.assumeIsolated().whenComplete { result in
            guard self.active else { return }
            if case .success(let bytes) = result, bytes > 0 { self.abort(context) } else { proceed() }
        }
    }

    /// Closes a connection whose response was not taken in time with a reset (`SO_LINGER` 0): what the kernel
    /// still holds of the response is dropped at once instead of being sent on after the close, and the client
    /// sees an error rather than a response cut short.
    private func abort(_ context: ChannelHandlerContext) {
        guard let provider = context.channel as? any SocketOptionProvider else { return context.close(promise: nil) }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = .distantFuture
    }
}

@available(*, unavailable)
extension ConnectionTimeoutHandler: Sendable {}
