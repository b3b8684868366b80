import Foundation
import Testing

@testable import Tensor

/// Synchronised BatchNorm (data-parallel `--sync-batchnorm`): one replica is plain BatchNorm bit for
/// bit, and two replicas, simulated by two threads that meet in every sum, compute the whole batch's
/// normalisation and its gradient, checked against plain BatchNorm on the whole batch and against
/// finite differences of the two replicas' summed loss.
@Suite struct SynchronizedBatchNormTests {
    /// A world of one: the sum across replicas is the identity.
    struct Alone: CrossReplicaSum {
        func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Float>) {}
    }

    /// Two replicas on two threads: each call waits for the other replica's call and both get the sum.
    final class Meeting: @unchecked Sendable {
        private let condition = NSCondition()
        private var waiting: [Float]?
        private var sums: [Int: [Float]] = [:]
        private var round = 0

        func sum(_ values: UnsafeMutableBufferPointer<Float>) {
            condition.lock()
            defer { condition.unlock() }
            let mine = round
            if let other = waiting {
                sums[mine] = zip(other, values).map { $0 + $1 }
                waiting = nil
                round += 1
                condition.broadcast()
            } else {
                waiting = Array(values)
                while round == mine { condition.wait() }
            }
            guard let sum = sums[mine] else { return }
            for i in values.indices { values[i] = sum[i] }
        }
    }

    struct Replica: CrossReplicaSum {
        let meeting: Meeting
        func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Float>) { meeting.sum(values) }
    }

    /// One replica's results: output, ∂x, ∂γ, ∂β of ⟨projection, y⟩ (flattened).
    struct Results: Sendable {
        var y: [Float] = [], dx: [Float] = [], dGamma: [Float] = [], dBeta: [Float] = []
    }

    static let epsilon: Float = 1e-3

    /// BatchNorm of `x` (shape `shape`, one replica) with its gradients of ⟨projection, y⟩.
    static func normalize(
        _ x: [Float], shape: [Int], gamma: [Float], beta: [Float], projection: [Float], replicas: (any CrossReplicaSum)?
    ) -> Results {
        let channels = gamma.count
        let inputs = [
            Tensor(shape: shape, values: x), Tensor(shape: [channels], values: gamma),
            Tensor(shape: [channels], values: beta),
        ].map { $0.requiringGradient() }
        let y = Tensor.batchNormalized(
            inputs[0], gamma: inputs[1], beta: inputs[2], epsilon: epsilon, replicas: replicas
        )
        .output
        let grads = gradients(of: (y * Tensor(shape: shape, values: projection)).sum(), wrt: inputs)
        return Results(y: y.scalars, dx: grads[0].scalars, dGamma: grads[1].scalars, dBeta: grads[2].scalars)
    }

    /// The two halves of `x` (along the batch axis) normalised by two synchronised replicas at once.
    static func twoReplicas(
        _ x: [Float], shape: [Int], gamma: [Float], beta: [Float], projection: [Float]
    ) -> [Results] {
        let half = x.count / 2
        let halfShape = [shape[0] / 2] + shape.dropFirst()
        let meeting = Meeting()
        let lock = NSLock()
        nonisolated(unsafe) var results = [Results(), Results()]
        let done = DispatchGroup()
        for replica in 0..<2 {
            done.enter()
            let part = replica * half..<(replica + 1) * half
            let (xs, ps) = (Array(x[part]), Array(projection[part]))
            Thread {
                let result = normalize(
                    xs, shape: halfShape, gamma: gamma, beta: beta, projection: ps, replicas: Replica(meeting: meeting))
                lock.withLock { results[replica] = result }
                done.leave()
            }.start()
        }
        done.wait()
        return lock.withLock { results }
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    static let shape = [4, 8, 8, 16]
    static let x = (GradientCheck.random(shape, seed: 21) * 3 + 0.5).scalars
    static let gamma = GradientCheck.random([16], seed: 22, low: 0.5, high: 1.5).scalars
    static let beta = GradientCheck.random([16], seed: 23).scalars
    static let projection = GradientCheck.random(shape, seed: 24).scalars

    @Test func oneReplicaIsPlainBatchNormBitForBit() {
        let plain = Self.normalize(
            Self.x, shape: Self.shape, gamma: Self.gamma, beta: Self.beta, projection: Self.projection, replicas: nil)
        let alone = Self.normalize(
            Self.x, shape: Self.shape, gamma: Self.gamma, beta: Self.beta, projection: Self.projection,
            replicas: Alone())
        #expect(plain.y == alone.y)
        #expect(plain.dx == alone.dx)
        #expect(plain.dGamma == alone.dGamma)
        #expect(plain.dBeta == alone.dBeta)
    }

    /// Each replica's output and ∂x are the whole batch's rows; ∂γ and ∂β are each replica's share of
    /// the whole batch's (the trainer sums them across replicas).
    @Test func twoReplicasNormaliseTheWholeBatch() {
        let whole = Self.normalize(
            Self.x, shape: Self.shape, gamma: Self.gamma, beta: Self.beta, projection: Self.projection, replicas: nil)
        let parts = Self.twoReplicas(
            Self.x, shape: Self.shape, gamma: Self.gamma, beta: Self.beta, projection: Self.projection)
        #expect(Self.maxDifference(parts[0].y + parts[1].y, whole.y) < 1e-5)
        let scale = max(1, whole.dx.map(abs).max() ?? 0)
        #expect(Self.maxDifference(parts[0].dx + parts[1].dx, whole.dx) < 2e-5 * scale)
        #expect(Self.maxDifference(zip(parts[0].dGamma, parts[1].dGamma).map { $0 + $1 }, whole.dGamma) < 1e-3)
        #expect(Self.maxDifference(zip(parts[0].dBeta, parts[1].dBeta).map { $0 + $1 }, whole.dBeta) < 1e-3)
        // Per-replica statistics would differ: the halves do not share their means.
        let own = Self.normalize(
            Array(Self.x[0..<Self.x.count / 2]), shape: [2, 8, 8, 16], gamma: Self.gamma, beta: Self.beta,
            projection: Array(Self.projection[0..<Self.x.count / 2]), replicas: nil)
        #expect(Self.maxDifference(own.y, parts[0].y) > 1e-3)
    }

    /// ∂x of each replica against central differences of the replicas' summed loss in every input.
    @Test func twoReplicaGradientsMatchFiniteDifferences() {
        let shape = [2, 2, 2, 3]
        let x = (GradientCheck.random(shape, seed: 25) * 2).scalars
        let gamma = GradientCheck.random([3], seed: 26, low: 0.5, high: 1.5).scalars
        let beta = GradientCheck.random([3], seed: 27).scalars
        let projection = GradientCheck.random(shape, seed: 28).scalars
        func loss(_ x: [Float]) -> Double {
            let parts = Self.twoReplicas(x, shape: shape, gamma: gamma, beta: beta, projection: projection)
            return zip(parts[0].y + parts[1].y, projection).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let parts = Self.twoReplicas(x, shape: shape, gamma: gamma, beta: beta, projection: projection)
        let analytic = parts[0].dx + parts[1].dx
        let h: Float = 1e-2
        for i in x.indices {
            var plus = x, minus = x
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
            #expect(abs(numeric - Double(analytic[i])) < 2e-3 + 2e-2 * abs(numeric), "x[\(i)]")
        }
    }
}
