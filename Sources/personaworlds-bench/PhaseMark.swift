import Synchronization

private let phaseMarks = Atomic<Int>(0)

/// Marks the start and the end of a measured phase for callgrind. With
/// `valgrind --tool=callgrind --dump-before='*benchPhaseMark*'` every call starts a new profile dump, so the dump
/// between two marks holds exactly that phase's instructions (all threads). Otherwise it only counts.
@inline(never)
func benchPhaseMark() {
    phaseMarks.add(1, ordering: .relaxed)
}
