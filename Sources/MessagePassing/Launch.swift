/// Choosing the communicator for a run.
public enum Launch {
    /// MPI's world when an MPI launcher started this process (or `force`, from `--distributed`),
    /// otherwise a single process. MPI is initialised only then, so plain runs never load it.
    public static func communicator(force: Bool = false) throws(DistributedError) -> any Communicator {
        guard force || LaunchEnvironment().isMPILaunch else { return SingleProcess() }
        return try MPICommunicator()
    }
}
