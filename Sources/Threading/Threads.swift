import COpenMP
import Foundation

/// The one thread knob: `COLORIZE_THREADS` (default: all cores) sets the OpenMP pool that both
/// oneDNN and the OpenMP build of OpenBLAS run on.
public enum Threads {
    /// Applies the setting once, before the first kernel runs.
    public static func configure() { _ = applied }

    private static let applied: Int = {
        let requested = ProcessInfo.processInfo.environment["COLORIZE_THREADS"].flatMap(Int.init)
        let count = max(1, requested ?? ProcessInfo.processInfo.activeProcessorCount)
        omp_set_num_threads(Int32(count))
        return count
    }()

    /// The number of threads the kernels use.
    public static var count: Int { applied }
}
