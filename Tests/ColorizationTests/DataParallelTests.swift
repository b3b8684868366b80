import Foundation
import MessagePassing
import NeuralNetwork
import Testing

@testable import Colorization
@testable import Tensor

/// How a data-parallel rank shares the global batch, weights its loss and averages its
/// gradients, without MPI (a simulated world).
@Suite struct DataParallelTests {
    /// Rank `rank` of `size` whose peers all hold what this rank holds: a sum across ranks is
    /// `size` × the values, so averaging must give them back.
    final class IdenticalPeers: Communicator, @unchecked Sendable {
        let rank: Int
        let size: Int
        private(set) var reductions: [Int] = []
        init(rank: Int, size: Int) {
            self.rank = rank
            self.size = size
        }
        func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
            reductions.append(values.count)
            for i in values.indices { values[i] *= Float(size) }
        }
        func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
            for i in values.indices { values[i] *= Double(size) }
        }
        func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) {}
        func barrier() {}
        func abort(_ message: String, code: Int32) -> Never { fatalError(message) }
    }

    @Test func sharesPartitionEveryGlobalBatch() {
        for size in 1...7 {
            for batch in size...20 {
                let shares = (0..<size).map { DataParallel(IdenticalPeers(rank: $0, size: size)).share(ofBatch: batch) }
                #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == batch)
                #expect(zip(shares, shares.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(shares.allSatisfy { !$0.isEmpty })
                // Weighted by its share, each rank's mean loss sums (over ranks, ÷ N) to the global mean.
                let weights = shares.enumerated().map { rank, share in
                    DataParallel(IdenticalPeers(rank: rank, size: size))
                        .lossWeight(localCount: share.count, globalCount: batch)
                }
                #expect(abs(weights.reduce(0, +) / Float(size) - 1) < 1e-6)
            }
        }
    }

    /// The shares of N loaders are, sample for sample, the batch one loader makes: the data order does
    /// not depend on the number of ranks.
    @Test func sharesOfABatchAreTheWholeBatch() throws {
        let photos = try PhotoFolder(try syntheticPhotoFolder())
        let whole = BatchLoader(photos: photos, size: 32, batchSize: 6, seed: 3, workers: 1)
        defer { whole.stop() }
        for size in [2, 3] {
            for index in [0, 5] {
                guard let expected = whole.makeBatch(index) else {
                    Issue.record("no batch")
                    return
                }
                var parts: [Float] = []
                for rank in 0..<size {
                    let share = 6 * rank / size..<6 * (rank + 1) / size
                    let loader = BatchLoader(photos: photos, size: 32, batchSize: 6, seed: 3, workers: 1, share: share)
                    defer { loader.stop() }
                    parts += loader.makeBatch(index)?.lab.scalars ?? []
                }
                #expect(parts == expected.lab.scalars, "\(size) ranks, batch \(index)")
            }
        }
    }

    /// Averaging across identical peers gives every gradient back exactly, packed in buckets.
    @Test func averagedGradientsComeBackInTheirPlaces() {
        var random = TensorRandom(seed: 9)
        let layer = Conv2D(3, 5, kernel: 3, using: &random)
        var gradients: [String: Tensor] = [:]
        for (name, parameter) in layer.namedParameters {
            gradients[name] = Tensor.uniform(parameter.value.shape, using: &random)
        }
        let peers = IdenticalPeers(rank: 1, size: 4)
        var averaged = gradients
        let count = DataParallel(peers, bucketSize: 100).averageGradients(&averaged, of: layer)
        #expect(count == layer.parameterCount)
        #expect(peers.reductions == [135, 5])  // 3×3×3×5 weights fill one bucket, the bias another
        for (name, gradient) in gradients { #expect(averaged[name]?.scalars == gradient.scalars, "\(name)") }
    }
}
