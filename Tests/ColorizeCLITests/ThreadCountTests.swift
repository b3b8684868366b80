import Testing

@testable import Threading

/// The thread count every setting gives stays within what OpenMP can start: 100,000 requested
/// threads once crashed the process.
@Suite struct ThreadCountTests {
    @Test func requestsAreBoundedAndDefaultsFollowTheMachine() {
        #expect(Threads.defaultCount(["COLORIZE_THREADS": "100000"], usable: 2, online: 2) == Threads.maximum)
        #expect(Threads.defaultCount(["SLURM_CPUS_PER_TASK": "9999999"], usable: 2, online: 2) == Threads.maximum)
        #expect(Threads.defaultCount(["COLORIZE_THREADS": "0"], usable: 2, online: 2) == 1)
        #expect(Threads.defaultCount(["COLORIZE_THREADS": "3"], usable: 2, online: 2) == 3)
        #expect(Threads.defaultCount([:], usable: 2, online: 2) == 2)
        #expect(Threads.defaultCount(["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], usable: 2, online: 2) == 1)
    }
}
