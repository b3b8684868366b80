/// The group of processes ("ranks") that train one model together, and the few collective operations
/// data-parallel training needs. Every rank must make the same collective calls in the same order;
/// a collective that fails ends the whole job (see `MPICommunicator`), since no rank can go on alone.
///
/// `SingleProcess` is the world of one process (no MPI at all); `MPICommunicator` spans the ranks
/// that `mpirun` or SLURM started. Calls are made from one thread (MPI_THREAD_FUNNELED).
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0 ..< size.
    var rank: Int { get }
    /// Number of processes in the job.
    var size: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over all ranks (fp32, in place).
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>)
    /// The same in double precision (for counters and statistics that must not round).
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Replaces `bytes` on every rank by rank `root`'s (every rank passes a buffer of the same size).
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int)
    /// Returns when every rank has called it.
    func barrier()
    /// Ends every rank of the job with `code` after printing `message` (a rank that fails must not
    /// leave the others waiting in a collective).
    func abort(_ message: String, code: Int32) -> Never
}

extension Communicator {
    /// Whether this rank is the one that writes logs, samples and checkpoints.
    public var isRoot: Bool { rank == 0 }

    /// `values` summed over all ranks.
    public func allreduceSum(_ values: [Double]) -> [Double] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { allreduceSum($0) }
        return copy
    }

    /// Rank `root`'s `values` on every rank (all ranks pass the same count).
    public func broadcast(_ values: [Double], from root: Int = 0) -> [Double] {
        var copy = values
        copy.withUnsafeMutableBytes { broadcast($0, from: root) }
        return copy
    }

    /// Rank `root`'s bytes on every rank, whatever the others passed (their length comes first).
    public func broadcast(data bytes: [UInt8], from root: Int = 0) -> [UInt8] {
        let count = broadcast([Double(bytes.count)], from: root)[0]
        var copy = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
        copy.withUnsafeMutableBytes { broadcast($0, from: root) }
        return copy
    }
}
