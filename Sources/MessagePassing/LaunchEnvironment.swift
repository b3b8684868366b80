import Foundation

/// What the launcher told this process through its environment: whether it is one rank of an MPI job,
/// its rank and the job's size, and how many ranks share this machine. Read without initialising MPI,
/// so `colorize images` can take its shard from `mpirun` without linking to anything.
public struct LaunchEnvironment: Sendable, Equatable {
    /// Set by OpenMPI's mpirun (OMPI_*), MPICH/Hydra and SLURM's PMI-2 (PMI_*) or PMIx (PMIX_RANK).
    public static let mpiVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// Whether an MPI launcher started this process.
    public let isMPILaunch: Bool
    /// This process's rank and the number of ranks, from the MPI launcher (SLURM_PROCID / SLURM_NTASKS
    /// when `srun --mpi=pmix` gives only PMIX_RANK); 0 and 1 without an MPI launcher, also inside a
    /// SLURM batch script, whose SLURM_NTASKS counts tasks that script does not run.
    public let rank: Int
    public let size: Int
    /// Ranks on this machine (OMPI_COMM_WORLD_LOCAL_SIZE, MPI_LOCALNRANKS, SLURM_NTASKS_PER_NODE), 1 if unknown.
    public let localSize: Int

    public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        func number(_ names: [String]) -> Int? { names.lazy.compactMap { environment[$0].flatMap(Int.init) }.first }
        isMPILaunch = Self.mpiVariables.contains { environment[$0] != nil }
        let rank = number(["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"]) ?? 0
        let size = number(["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"]) ?? 1
        (self.rank, self.size) = isMPILaunch && size >= 1 && (0..<size).contains(rank) ? (rank, size) : (0, 1)
        localSize = max(1, number(["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"]) ?? 1)
    }
}
