import Testing

@testable import Tensor

@Suite struct BufferPoolTests {
    @Test func largeBlocksAreReusedByPageBucket() {
        let pool = BufferPool(capacityBytes: 1 << 20)
        let first = pool.allocate(bytes: 100_000)
        #expect(Int(bitPattern: first) % 64 == 0)
        pool.release(first, bytes: 100_000)
        #expect(pool.statistics.idleBytes == 102_400)  // 25 pages of 4 KiB
        let second = pool.allocate(bytes: 101_000)  // same bucket
        #expect(second == first)
        #expect(
            pool.statistics
                == BufferPool.Statistics(
                    reused: 1, allocated: 1, liveBytes: 102_400, peakLiveBytes: 102_400, idleBytes: 0))
        pool.release(second, bytes: 101_000)
    }

    @Test func smallBlocksAndBlocksBeyondTheCapacityAreFreed() {
        let pool = BufferPool(capacityBytes: 200_000)
        let small = pool.allocate(bytes: 1_000)
        pool.release(small, bytes: 1_000)
        #expect(pool.statistics.idleBytes == 0)
        let a = pool.allocate(bytes: 150_000), b = pool.allocate(bytes: 150_000)
        #expect(pool.statistics.peakLiveBytes == 2 * 151_552)  // the small block was already back
        pool.release(a, bytes: 150_000)
        pool.release(b, bytes: 150_000)  // would exceed 200,000 idle bytes: freed
        #expect(pool.statistics.idleBytes == 151_552 && pool.statistics.liveBytes == 0)
    }

    @Test func tensorsRecycleTheirStorage() {
        let before = BufferPool.shared.statistics.reused
        for _ in 0..<3 { _ = Tensor.zeros([64, 64, 16]).sum() }  // 256 KiB each
        #expect(BufferPool.shared.statistics.reused >= before + 2)
    }
}
