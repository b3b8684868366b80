import COpenMP

/// Splits loops over large buffers across the OpenMP pool that oneDNN and OpenBLAS already run on.
/// Between convolutions that pool's workers would otherwise idle (or spin) while one thread does
/// the elementwise work; a second pool (Dispatch) would fight them for the same cores.
public enum Parallel {
    /// Below this much work a loop stays on the calling thread: a parallel region costs microseconds.
    public static let grain = 1 << 15

    /// Calls `body` on disjoint consecutive ranges covering 0..<count, concurrently when `count · cost`
    /// (cost: work per index, in elements) is large enough. `body` must only write what its range owns.
    public static func forEachRange(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachPart(count, cost: cost) { _, range in body(range) }
    }

    /// `forEachRange` that also tells each call its part number, below `Threads.count` and
    /// distinct between concurrent calls, for bodies that keep per-part partial results.
    public static func forEachPart(_ count: Int, cost: Int = 1, _ body: (_ part: Int, Range<Int>) -> Void) {
        let threads = min(Threads.count, count)
        guard threads > 1, count * cost >= 2 * grain else {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = Job(count: count, body: body)
            withUnsafeMutablePointer(to: &job) { pointer in
                GOMP_parallel(
                    { raw in
                        guard let job = raw?.assumingMemoryBound(to: Job.self).pointee else { return }
                        let thread = Int(omp_get_thread_num()), threads = Int(omp_get_num_threads())
                        let range = job.count * thread / threads..<job.count * (thread + 1) / threads
                        if !range.isEmpty { job.body(thread, range) }
                    }, pointer, UInt32(threads), 0)
            }
        }
    }

    /// out[0..<count] += the sum over parts of what `body(rows, partial)` adds into its own zeroed
    /// `partial` (count floats) for its rows of 0..<rows, split as by `forEachPart`. The partials are
    /// added in part order, so the result does not depend on which thread finished first.
    public static func sumOfParts(
        _ rows: Int, cost: Int, count: Int, into out: UnsafeMutablePointer<Float>,
        _ body: (_ rows: Range<Int>, _ partial: UnsafeMutablePointer<Float>) -> Void
    ) {
        let parts = Threads.count
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: parts * count)
        defer { partials.deallocate() }
        partials.initialize(repeating: 0, count: parts * count)
        forEachPart(rows, cost: cost) { part, range in body(range, partials + part * count) }
        for part in 0..<parts {
            let p = partials + part * count
            for i in 0..<count { out[i] += p[i] }
        }
    }

    private struct Job {
        let count: Int
        let body: (Int, Range<Int>) -> Void
    }
}
