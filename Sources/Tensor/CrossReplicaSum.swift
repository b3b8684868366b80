/// A sum over the replicas of a data-parallel run (one per MPI rank), for the ops whose statistics
/// span the global batch: synchronised BatchNorm. The engine knows nothing of MPI; the trainer puts
/// its communicator here for the span of a step (`CrossReplicaSum.$current`).
public protocol CrossReplicaSum: Sendable {
    /// Replaces `values` on every replica by their element-wise sum over all replicas.
    func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Float>)
}

/// Where BatchNorm finds the replicas whose batch statistics it shares (nil: this process's batch only).
public enum BatchStatisticsReplicas {
    @TaskLocal public static var current: (any CrossReplicaSum)?
}
