import Foundation
import Testing
import Threading

@testable import ColorizeCLI

/// The pipeline of `colorize images` without images: order, batching, bounded memory and stopping.
@Suite struct BatchPipelineTests {
    @Test func queueBlocksWhenFullAndDrainsAfterClose() {
        let queue = BoundedQueue<Int>(capacity: 2)
        #expect(queue.put(1) && queue.put(2))
        let thirdPut = DispatchSemaphore(value: 0)
        Thread {
            queue.put(3)
            thirdPut.signal()
        }.start()
        #expect(thirdPut.wait(timeout: .now() + 0.2) == .timedOut, "a full queue accepted a third item")
        #expect(queue.takeBatch(max: 5) == [1, 2])
        #expect(thirdPut.wait(timeout: .now() + 5) == .success)
        queue.close()
        #expect(!queue.put(4))
        #expect(queue.take() == 3)
        #expect(queue.take() == nil)
    }

    /// Results arrive in order, batches hold at most `batchSize`, and never more than about three
    /// batches are between being loaded and being stored, however many sources there are.
    @Test func pipelineKeepsOrderAndBoundsWorkInFlight() {
        let loadedCount = Locked(0), inFlight = Locked((now: 0, most: 0)), stored = Locked([Int]())
        var largestBatch = 0
        let pipeline = BatchPipeline<Int, Int, Int>(batchSize: 4) { false }
        let started = pipeline.run(
            Array(0..<200),
            load: { source in
                loadedCount.withLock { $0 += 1 }
                inFlight.withLock { state in
                    state.now += 1
                    state.most = max(state.most, state.now)
                }
                return source
            },
            process: { batch in
                largestBatch = max(largestBatch, batch.count)
                return batch.map { $0 * 10 }
            },
            store: { result in
                usleep(100)  // a slow writer: the queues fill up
                stored.withLock { $0.append(result) }
                inFlight.withLock { $0.now -= 1 }
            })
        #expect(started == 200 && loadedCount.current == 200)
        #expect(stored.current == (0..<200).map { $0 * 10 })
        #expect(largestBatch >= 1 && largestBatch <= 4)
        #expect(inFlight.current.most <= 3 * 4 + 2, "\(inFlight.current.most) items in flight")
    }

    /// Once asked to stop, no further source is loaded; every loaded one is still stored.
    @Test func stoppingFinishesWhatIsInFlight() {
        let loaded = Locked(0), stored = Locked(0)
        let pipeline = BatchPipeline<Int, Int, Int>(batchSize: 2) { loaded.current >= 5 }
        let started = pipeline.run(
            Array(0..<50),
            load: { source in
                loaded.withLock { $0 += 1 }; return source
            },
            process: { $0 }, store: { _ in stored.withLock { $0 += 1 } })
        #expect(started == 5 && stored.current == 5)
    }
}
