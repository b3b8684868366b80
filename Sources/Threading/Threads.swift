import COpenMP
import Foundation

/// The one thread knob: `COLORIZE_THREADS` sets the OpenMP pool that both oneDNN and the OpenMP build
/// of OpenBLAS run on. Its default is this process's share of the machine: the cores it may run on,
/// divided among the ranks an MPI launcher put on this machine (two ranks of 1 thread each, not two
/// ranks of 2 threads fighting over 2 cores), or SLURM's `--cpus-per-task`.
public enum Threads {
    /// Applies the setting once, before the first kernel runs.
    public static func configure() { _ = applied }

    private static let applied: Int = {
        let count = defaultCount(ProcessInfo.processInfo.environment)
        omp_set_num_threads(Int32(count))
        return count
    }()

    /// The number of threads the kernels use.
    public static var count: Int { applied }

    /// The thread count for `environment`: COLORIZE_THREADS, else SLURM_CPUS_PER_TASK, else the cores
    /// this process may use, divided by the local ranks (OMPI_COMM_WORLD_LOCAL_SIZE, MPI_LOCALNRANKS)
    /// unless the launcher already bound it to fewer cores than the machine has (then they are its own).
    static func defaultCount(
        _ environment: [String: String], usable: Int = ProcessInfo.processInfo.activeProcessorCount,
        online: Int = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    ) -> Int {
        if let requested = environment["COLORIZE_THREADS"].flatMap(Int.init) { return max(1, requested) }
        if let perTask = environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) { return max(1, perTask) }
        let localRanks =
            ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"].lazy
            .compactMap { environment[$0].flatMap(Int.init) }.first ?? 1
        let bound = usable < online
        return max(1, bound ? usable : usable / max(1, localRanks))
    }
}
