import CMPI
import Foundation

/// The ranks of an MPI job (MPI_COMM_WORLD), through OpenMPI loaded at run time (`CMPI`).
///
/// A failing collective cannot be recovered from (the other ranks are inside it), so it aborts the
/// job with the operation's name and MPI's reason. A rank that dies makes `mpirun` (or SLURM) end the
/// others; as a last resort against a hang (a rank stuck outside MPI, a lost network), a watchdog
/// ends this process when one collective has waited longer than `COLORIZE_MPI_TIMEOUT` seconds
/// (default 900: a collective also waits out the slowest rank's step and rank 0's checkpoint writes).
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private let watchdog: CollectiveWatchdog

    /// Initialises MPI (MPI_Init_thread, funneled: only the calling thread makes MPI calls). Call once.
    public init() throws(DistributedError) {
        var message = [CChar](repeating: 0, count: 1024)
        let code = cz_mpi_initialize(&message, message.count)
        guard code == 0 else {
            throw .mpiUnavailable(
                String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        var rank: Int32 = 0, size: Int32 = 1
        guard cz_mpi_rank(&rank) == 0, cz_mpi_size(&size) == 0 else {
            throw .mpiUnavailable("MPI_Comm_rank or MPI_Comm_size failed")
        }
        self.rank = Int(rank)
        self.size = Int(size)
        let timeout = ProcessInfo.processInfo.environment["COLORIZE_MPI_TIMEOUT"].flatMap(Double.init) ?? 900
        watchdog = CollectiveWatchdog(rank: Int(rank), timeout: timeout)
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        guard let base = values.baseAddress else { return }
        forEachChunk(values.count) { start, count in
            check(
                watchdog.guarding("MPI_Allreduce") { cz_mpi_allreduce_float_sum(base + start, count) }, "MPI_Allreduce")
        }
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        guard let base = values.baseAddress else { return }
        forEachChunk(values.count) { start, count in
            check(
                watchdog.guarding("MPI_Allreduce") { cz_mpi_allreduce_double_sum(base + start, count) }, "MPI_Allreduce"
            )
        }
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) {
        guard let base = bytes.baseAddress else { return }
        forEachChunk(bytes.count) { start, count in
            check(
                watchdog.guarding("MPI_Bcast") { cz_mpi_broadcast_bytes(base + start, count, Int32(root)) },
                "MPI_Bcast")
        }
    }

    public func barrier() { check(watchdog.guarding("MPI_Barrier") { cz_mpi_barrier() }, "MPI_Barrier") }

    public func abort(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: rank \(rank) of \(size): \(message); aborting the job\n".utf8))
        _ = cz_mpi_abort(code)
        exit(code)
    }

    /// Ends MPI when every rank is done (after the last collective).
    public func finalize() { _ = cz_mpi_finalize() }

    /// MPI counts are Int32: larger buffers go in pieces of at most 2³⁰ elements.
    private func forEachChunk(_ count: Int, _ body: (Int, Int32) -> Void) {
        var start = 0
        while start < count {
            let chunk = min(count - start, 1 << 30)
            body(start, Int32(chunk))
            start += chunk
        }
    }

    private func check(_ code: Int32, _ operation: String) {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 1024)
        cz_mpi_error_string(code, &text, text.count)
        let reason = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        abort("\(operation) failed: \(reason) (did another rank die?)", code: 1)
    }
}
