import Logging
import Storage
import Worker

/// The worker pool a queue benchmark part runs on `queue`: `handler` wrapped in a `StartRecorder` (how many jobs
/// finished, when the last one started), loops started at once, ended by `stop()`. Shared by the SQLite parts (reply
/// jobs, no-op jobs, idle latency) and the PostgreSQL ones (reply jobs, cross-node latency).
struct BenchPool {
    let signal: WakeSignal
    let recorder: StartRecorder
    private let flag: StopFlag
    private let loops: Task<Void, Never>
    private let concurrency: Int

    /// Reply jobs with an LLM that answers at once, unless another `handler` is given.
    init(
        queue: any JobQueue, handler: (any JobHandler)? = nil, signal: WakeSignal = WakeSignal(), settings: WorkerPool.Settings,
        logger: Logger
    ) {
        let recorder = StartRecorder(handler ?? ReplyJobHandler(queue: queue, llm: NoopLLM(), clock: clock, replyMaxLength: 280))
        let pool = WorkerPool(queue: queue, handler: recorder, signal: signal, clock: clock, settings: settings, logger: logger)
        let flag = StopFlag()
        self.signal = signal
        self.recorder = recorder
        self.flag = flag
        self.concurrency = settings.loops
        loops = Task { await pool.runLoops(flag) }
    }

    /// Stops the loops (a job in flight finishes) and returns once they have ended.
    func stop() async {
        flag.stop()
        signal.notify(2 * concurrency)
        await loops.value
    }
}
