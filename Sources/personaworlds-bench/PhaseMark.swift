import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

private let phaseMarks = Atomic<Int>(0)

/// Marks the start and the end of a measured phase for callgrind. With
/// `valgrind --tool=callgrind --dump-before='*PhaseMark*'` every call starts a new profile dump, so the dump
/// between two marks holds exactly that phase's instructions (all threads).
/// Otherwise it only counts. Debian 12's Valgrind (3.19) cannot run the queue parts: it stops with an internal
/// SIGSEGV when libdispatch sets up its event loop ('_dispatch_epoll_init'), and it cannot read the toolchain's
/// DWARF 5 either (`objcopy --strip-debug` a copy first); `processCPUSeconds` per job is the steady figure meanwhile.
@inline(never)
func benchPhaseMark() {
    phaseMarks.add(1, ordering: .relaxed)
}

/// CPU time (user + system, all threads) this process has used so far, in seconds. The difference over a phase,
/// per job, is steadier than wall time on a shared machine: it does not count the time other processes held the cores.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}
