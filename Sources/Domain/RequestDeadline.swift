/// The deadline of the work in progress, on the monotonic clock, carried as a task-local so the
/// database and LLM layers can bound their own timeouts by it without threading it through every call.
public enum RequestDeadline {
    /// Monotonic nanoseconds by which the current request or job must finish; 0 means none.
    @TaskLocal public static var nanos: UInt64 = 0
}
