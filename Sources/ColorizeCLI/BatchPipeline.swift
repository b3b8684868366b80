import Foundation
import Threading

/// Three stages over a list of sources, overlapping so neither decoding nor encoding waits for the
/// network: a reader thread loads the sources in order, the calling thread processes batches of
/// whatever is loaded (the network, which must run on one thread at a time), and a writer thread
/// stores the results in order.
///
/// The queues between the stages are bounded (`batchSize` items each), so the items in memory at
/// any time are about three batches, whether there are 10 sources or 50,000; only the sources
/// themselves (paths) are listed up front.
struct BatchPipeline<Source: Sendable, Loaded: Sendable, Processed: Sendable> {
    /// The most items processed together; fewer when fewer are loaded (no waiting for a batch to fill).
    let batchSize: Int
    /// Asked before each source is loaded: once true, no further source is started, and the ones
    /// already loaded are still processed and stored (Ctrl-C finishes what is in flight).
    let shouldStop: @Sendable () -> Bool

    /// Runs every stage to the end and returns how many sources were started (loaded); the others
    /// were left because `shouldStop` became true.
    func run(
        _ sources: [Source],
        load: @escaping @Sendable (Source) -> Loaded,
        process: ([Loaded]) -> [Processed],
        store: @escaping @Sendable (Processed) -> Void
    ) -> Int {
        precondition(batchSize >= 1, "batches of at least one item")
        let loaded = BoundedQueue<Loaded>(capacity: batchSize)
        let processed = BoundedQueue<Processed>(capacity: batchSize)
        let started = Locked(0)
        let readerDone = DispatchSemaphore(value: 0), writerDone = DispatchSemaphore(value: 0)
        let shouldStop = shouldStop

        let reader = Thread {
            for source in sources {
                if shouldStop() { break }
                started.withLock { $0 += 1 }
                loaded.put(load(source))
            }
            loaded.close()
            readerDone.signal()
        }
        reader.name = "colorize reader"
        let writer = Thread {
            while let item = processed.take() { store(item) }
            writerDone.signal()
        }
        writer.name = "colorize writer"
        reader.start()
        writer.start()

        while true {
            let batch = loaded.takeBatch(max: batchSize)
            if batch.isEmpty { break }
            for item in process(batch) { processed.put(item) }
        }
        processed.close()
        readerDone.wait()
        writerDone.wait()
        return started.current
    }
}
