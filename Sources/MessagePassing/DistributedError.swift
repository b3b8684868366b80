/// Why a distributed run could not start.
public enum DistributedError: Error, CustomStringConvertible {
    /// Launched by an MPI launcher (or asked for with --distributed) but MPI cannot be used.
    case mpiUnavailable(String)

    public var description: String {
        switch self {
        case .mpiUnavailable(let reason): "cannot start MPI: \(reason)"
        }
    }
}
