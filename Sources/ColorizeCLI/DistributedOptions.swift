import ArgumentParser
import Colorization
import MessagePassing

/// How `pretrain` and `gan` run across machines: as many ranks as `mpirun` (or SLURM's `srun`)
/// starts, each on its share of every global batch (see `DataParallel`). Started without an MPI
/// launcher, a command is one process and never loads MPI.
struct DistributedOptions: ParsableArguments {
    @Flag(
        help:
            "Initialise MPI even when no MPI launcher is detected (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK or PMI_RANK set means it is)."
    )
    var distributed = false

    /// Runs `body` with the job's ranks (one process without MPI), then waits for every rank and ends
    /// MPI. A rank's failure inside `body` has already ended the job (`DataParallel.failJob`).
    func run(synchronizingBatchNorm: Bool, globalBatch: Int, _ body: (DataParallel) throws -> Void) throws {
        let communicator = try Launch.communicator(force: distributed)
        let parallel = DataParallel(communicator, synchronizesBatchNorm: synchronizingBatchNorm)
        guard globalBatch >= parallel.size else {
            // Every rank sees the same numbers and fails alike; the launcher then ends the job.
            throw ValidationError(
                "--batch \(globalBatch) is the global batch: it needs at least one sample for each "
                    + "of the \(parallel.size) ranks")
        }
        try body(parallel)
        communicator.barrier()
        (communicator as? MPICommunicator)?.finalize()
    }
}
