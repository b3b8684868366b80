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

    /// The most threads any setting gives: beyond it OpenMP's pool only costs memory and start-up
    /// (100,000 requested threads crashed the process), and no machine this runs on has more cores.
    static let maximum = 1024

    /// The thread count for `environment` (at most `maximum`): COLORIZE_THREADS, else SLURM_CPUS_PER_TASK, else the cores
    /// this process may use, divided by the local ranks (OMPI_COMM_WORLD_LOCAL_SIZE, MPI_LOCALNRANKS)
    /// unless the launcher already bound it to fewer cores than the machine has (then they are its own).
    static func defaultCount(
        _ environment: [String: String], usable: Int = ProcessInfo.processInfo.activeProcessorCount,
        online: Int = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    ) -> Int {
        if let requested = environment["COLORIZE_THREADS"].flatMap(Int.init) { return min(max(1, requested), maximum) }
        if let perTask = environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) { return min(max(1, perTask), maximum) }
        let localRanks =
            ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"].lazy
            .compactMap { environment[$0].flatMap(Int.init) }.first ?? 1
        let bound = usable < online
        return min(max(1, bound ? usable : usable / max(1, localRanks)), maximum)
    }
}
