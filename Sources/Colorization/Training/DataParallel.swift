import Foundation
import MessagePassing
import NeuralNetwork
import Tensor

/// Data-parallel training over the ranks of a communicator: every rank holds the same model and
/// trains on its own share of each global batch; the gradients are summed across ranks and divided by
/// their number, so every rank takes the same optimizer step and the model stays identical everywhere.
///
/// The arithmetic makes N ranks train as one process on the global batch B: rank r's mean loss over
/// its n_r samples is weighted by n_r·N/B, so Σ_r gradients / N is the gradient of the global batch's
/// mean loss, whatever the shares. BatchNorm uses each rank's own batch statistics unless
/// `synchronizesBatchNorm` (`--sync-batchnorm`): then means and variances are the global batch's,
/// exactly as one process would compute them, at the cost of two small reductions per BatchNorm layer
/// in each direction. Per-rank statistics are the default because they cost nothing, need no
/// lock-step inside the network and are what most data-parallel training does; their running averages
/// are averaged across ranks whenever a checkpoint is written, so the saved model is the same.
public final class DataParallel: @unchecked Sendable {
    public let communicator: any Communicator
    public let synchronizesBatchNorm: Bool
    /// Floats per all-reduce of the gradients (16 MiB): large enough to run at the network's bandwidth,
    /// small enough not to double the memory of a large model's gradients.
    public let bucketSize: Int
    /// Gradient floats (and buckets) the last `averageGradients` summed across the ranks.
    public private(set) var lastReduction = (floats: 0, buckets: 0)

    public init(_ communicator: any Communicator, synchronizesBatchNorm: Bool = false, bucketSize: Int = 1 << 22) {
        self.communicator = communicator
        self.synchronizesBatchNorm = synchronizesBatchNorm
        self.bucketSize = max(1, bucketSize)
    }

    /// One process, nothing shared.
    public static let single = DataParallel(SingleProcess())

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }
    /// Rank 0 alone writes logs, samples and checkpoints.
    public var isRoot: Bool { communicator.isRoot }

    /// Rank r's samples of a global batch of `batchSize`: r·B/N ..< (r+1)·B/N (disjoint, covering it).
    public func share(ofBatch batchSize: Int) -> Range<Int> {
        batchSize * rank / size..<batchSize * (rank + 1) / size
    }

    /// The factor on this rank's mean loss over `localCount` samples of a global batch of `globalCount`
    /// (nil: this rank's batch is the whole batch).
    public func lossWeight(localCount: Int, globalCount: Int?) -> Float {
        Float(localCount * size) / Float(globalCount ?? localCount)
    }

    /// The global batch's values from each rank's `values` (means over its share) weighted by
    /// `weight` (`lossWeight`): Σ_r w_r·v_r / N. One process: `values` as they are.
    public func globalMeans(_ values: [Float], weight: Float = 1) -> [Float] {
        guard size > 1 else { return values }
        return sum(values.map { Double($0) * Double(weight) }).map { Float($0 / Double(size)) }
    }

    /// Whether `flag` holds on any rank (a stop asked for on one rank stops all after the same step).
    public func anyRank(_ flag: Bool) -> Bool {
        sum([flag ? 1 : 0])[0] > 0
    }

    /// Runs `body` (a forward and backward pass) with BatchNorm's statistics shared across ranks when
    /// synchronised.
    public func withBatchStatistics<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard synchronizesBatchNorm && size > 1 else { return try body() }
        return try BatchStatisticsReplicas.$current.withValue(ReplicaSum(communicator: communicator), operation: body)
    }

    /// Replaces every gradient by its mean over the ranks: summed in place (fp32) in buckets of
    /// `bucketSize` floats packed in `group`'s parameter order (the same on every rank), then divided
    /// by the number of ranks. Returns the number of floats reduced.
    @discardableResult
    public func averageGradients(_ gradients: inout [String: Tensor], of group: some ParameterGroup) -> Int {
        guard size > 1 else { return 0 }
        let names = group.namedParameters.map(\.name).filter { gradients[$0] != nil }
        let scale = 1 / Float(size)
        var bucket: [Float] = []
        var members: [String] = []
        var total = 0, buckets = 0
        func flush() {
            guard !bucket.isEmpty else { return }
            bucket.withUnsafeMutableBufferPointer { communicator.allreduceSum($0) }
            total += bucket.count
            buckets += 1
            var offset = 0
            for name in members {
                guard let shape = gradients[name]?.shape else { continue }
                let count = Shape.count(shape)
                gradients[name] = Tensor(shape: shape, values: bucket[offset..<offset + count].map { $0 * scale })
                offset += count
            }
            bucket.removeAll(keepingCapacity: true)
            members.removeAll()
        }
        for name in names {
            guard let gradient = gradients[name] else { continue }
            if !bucket.isEmpty && bucket.count + gradient.count > bucketSize { flush() }
            gradient.withUnsafeBufferPointer { bucket.append(contentsOf: $0) }
            members.append(name)
        }
        flush()
        lastReduction = (total, buckets)
        return total
    }

    /// `values` summed over the ranks (losses, counters, flags), in double precision.
    public func sum(_ values: [Double]) -> [Double] {
        size > 1 ? communicator.allreduceSum(values) : values
    }

    /// Rank 0's `value` on every rank (decisions all ranks must share, such as the critic schedule's).
    public func rootsDecision(_ values: [Double]) -> [Double] {
        size > 1 ? communicator.broadcast(values, from: 0) : values
    }

    /// Rank 0's bytes on every rank (a checkpoint that only rank 0 may be able to read).
    public func rootsBytes(_ bytes: [UInt8]) -> [UInt8] {
        size > 1 ? communicator.broadcast(data: bytes, from: 0) : bytes
    }

    /// Copies rank 0's values of every parameter of `group` (trainable or not) to every rank, so that
    /// all start from the same model whatever each built or loaded.
    public func broadcastParameters(_ group: some ParameterGroup) {
        guard size > 1 else { return }
        for (_, parameter) in group.namedParameters {
            var values = parameter.value.scalars
            values.withUnsafeMutableBytes { communicator.broadcast($0, from: 0) }
            parameter.assign(Tensor(shape: parameter.value.shape, values: values))
        }
    }

    /// Averages the parameters that are not trained (BatchNorm's running statistics) across the ranks,
    /// which with per-rank batch statistics drift apart; synchronised ones are identical already.
    public func averageRunningStatistics(_ group: some ParameterGroup) {
        guard size > 1, !synchronizesBatchNorm else { return }
        let scale = 1 / Float(size)
        for (_, parameter) in group.namedParameters where !parameter.isTrainable {
            var values = parameter.value.scalars
            values.withUnsafeMutableBufferPointer { communicator.allreduceSum($0) }
            parameter.assign(Tensor(shape: parameter.value.shape, values: values.map { $0 * scale }))
        }
    }

    /// Checks that every rank holds bit-identical parameters of `group` (each rank's FNV-1a hash of
    /// their bits against rank 0's). Returns rank 0's hash; throws when any rank differs.
    @discardableResult
    public func verifyIdenticalParameters(_ group: some ParameterGroup) throws(DataParallelError) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for (_, parameter) in group.namedParameters {
            parameter.value.withUnsafeBufferPointer { values in
                for value in values {
                    hash = (hash ^ UInt64(value.bitPattern)) &* 0x0000_0100_0000_01B3
                }
            }
        }
        guard size > 1 else { return hash }
        let halves = [Double(hash >> 32), Double(hash & 0xFFFF_FFFF)]
        let root = rootsDecision(halves)
        let differing = sum([root == halves ? 0 : 1])[0]
        guard differing == 0 else { throw .parametersDiffer(ranks: Int(differing), of: size) }
        return hash
    }

    /// A rank's failure as the job's: with several ranks it aborts them all (printing `error`), so that
    /// none waits for ever in a collective; alone it rethrows.
    public func failJob(_ error: any Error) throws -> Never {
        guard size > 1 else { throw error }
        communicator.abort("\(error)", code: 1)
    }
}

/// The communicator as the engine's cross-replica sum (synchronised BatchNorm).
struct ReplicaSum: CrossReplicaSum {
    let communicator: any Communicator
    func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Float>) { communicator.allreduceSum(values) }
}

/// A data-parallel run whose ranks disagree.
public enum DataParallelError: Error, CustomStringConvertible {
    case parametersDiffer(ranks: Int, of: Int)

    public var description: String {
        switch self {
        case let .parametersDiffer(ranks, size):
            "the model differs between ranks: \(ranks) of \(size) ranks do not match rank 0 (a bug: please report it)"
        }
    }
}
