import Foundation
import Imaging
import Tensor

/// Produces augmented training batches on background threads into a bounded queue, so the
/// training loop does not wait for JPEG decoding.
///
/// Each photo is decoded once and kept in memory shrunk so its short side is at most twice the
/// training size: crops then span a quarter to all of the picture's short side (the seed trained
/// on whole 256-px Places365 images, i.e. always the whole picture), and later samples cost only
/// the crop's pixels.
///
/// Sample j of batch k is drawn with its own generator seeded by (seed, k, j), and batches are handed
/// out in order, so a run is reproducible whatever the threads' timing — resuming at step k gives the
/// batches an uninterrupted run would have seen — and a data-parallel rank can make just its `share`
/// of each global batch (samples r·B/N ..< (r+1)·B/N), which together are exactly the batch one
/// process would train on, whatever the number of ranks. Files that cannot be decoded or are smaller
/// than the training size are reported once each (on `warnings`) and redrawn from the same stream.
public final class BatchLoader: @unchecked Sendable {
    public let photos: PhotoFolder
    /// Samples in each (global) batch, and which of them this loader makes.
    public let batchSize: Int
    public let share: Range<Int>
    public let augmenter: Augmenter
    public let quantizer: ColorQuantizer
    /// Simulated clicks for each crop (nil: batches carry no hints). Each sample's come from a
    /// random stream of their own, so a batch's crops are the same with or without them.
    public let hintSimulation: HintSimulation?
    /// Photos it rejects are excluded like unreadable ones, with the reason as a warning.
    public let screen: PhotoScreen?
    let seed: UInt64

    private let condition = NSCondition()
    private var ready: [Int: TrainingBatch] = [:]
    private var nextToHand: Int
    private var nextToMake: Int
    private let capacity: Int
    private var excluded = Set<Int>()
    private var decoded: [Int: Raster] = [:]
    private var stopped = false
    private let warnings: @Sendable (String) -> Void
    /// Seconds the consumer spent waiting for batches.
    public private(set) var waitSeconds = 0.0

    /// - Parameters:
    ///   - startBatch: index of the first batch to hand out (the step to resume at).
    ///   - workers: background threads decoding and augmenting.
    ///   - share: the samples of each batch to make (default: all of them).
    ///   - degradation: show the network old-photograph greys (`OldPhotoDegradation`); nil: true L.
    ///   - screen: leave out photos that teach no colour or a cast (`PhotoScreen`); nil: use all.
    public init(
        photos: PhotoFolder, size: Int, batchSize: Int, seed: UInt64, startBatch: Int = 0, workers: Int = 2,
        share: Range<Int>? = nil, capacity: Int = 4, quantizer: ColorQuantizer = ColorQuantizer(),
        hintSimulation: HintSimulation? = nil, degradation: OldPhotoDegradation? = nil, screen: PhotoScreen? = nil,
        warnings: @escaping @Sendable (String) -> Void = {
            FileHandle.standardError.write(Data("warning: \($0)\n".utf8))
        }
    ) {
        self.photos = photos
        self.batchSize = batchSize
        self.share = share ?? 0..<batchSize
        precondition(
            !self.share.isEmpty && self.share.lowerBound >= 0 && self.share.upperBound <= batchSize,
            "share \(self.share) of a batch of \(batchSize)")
        self.augmenter = Augmenter(size: size, degradation: degradation)
        self.quantizer = quantizer
        self.hintSimulation = hintSimulation
        self.screen = screen
        self.seed = seed
        self.capacity = capacity
        self.warnings = warnings
        nextToHand = startBatch
        nextToMake = startBatch
        for _ in 0..<max(workers, 1) {
            let thread = Thread { [self] in work() }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit { stop() }

    /// Ends the background threads (they finish the batch in hand).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Files excluded so far (unreadable or too small).
    public var skippedCount: Int {
        condition.lock(); defer { condition.unlock() }
        return excluded.count
    }

    /// The next batch in order; blocks until it is ready. Nil if no photo is usable.
    public func next() -> TrainingBatch? {
        let start = DispatchTime.now().uptimeNanoseconds
        condition.lock()
        defer { condition.unlock() }
        while ready[nextToHand] == nil && !stopped && excluded.count < photos.paths.count { condition.wait() }
        waitSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard let batch = ready.removeValue(forKey: nextToHand) else { return nil }
        nextToHand += 1
        condition.broadcast()
        return batch
    }

    private func work() {
        while true {
            condition.lock()
            while !stopped && nextToMake - nextToHand >= capacity { condition.wait() }
            if stopped { condition.unlock(); return }
            let index = nextToMake
            nextToMake += 1
            condition.unlock()
            guard let batch = makeBatch(index) else { stop(); return }
            condition.lock()
            ready[index] = batch
            condition.broadcast()
            condition.unlock()
        }
    }

    /// This loader's share of batch `index` (or `share`): each sample a photo drawn uniformly from the
    /// folder by its own generator, an unusable file excluded and redrawn from the same generator (so
    /// the draw does not depend on which files other threads or ranks found unusable first). Nil when
    /// every file is unusable.
    func makeBatch(_ index: Int, share: Range<Int>? = nil) -> TrainingBatch? {
        var samples: [Raster] = []
        for position in share ?? self.share {
            var random = TensorRandom(seed: Self.sampleSeed(seed, batch: index, sample: position))
            while true {
                let pick = Int(random.next() % UInt64(photos.paths.count))
                condition.lock()
                let (unusable, none) = (excluded.contains(pick), excluded.count >= photos.paths.count)
                condition.unlock()
                if none { return nil }
                guard !unusable, let photo = photo(pick) else { continue }
                if let sample = augmenter.sample(photo, using: &random) {
                    samples.append(sample)
                    break
                }
            }
        }
        guard let hintSimulation else { return TrainingBatch(samples: samples, quantizer: quantizer) }
        let points = zip(share ?? self.share, samples).map { position, sample in
            var random = TensorRandom(seed: Self.sampleSeed(seed ^ 0x4849_4E54, batch: index, sample: position))
            return hintSimulation.points(
                lab: sample.values[...], width: sample.width, height: sample.height, using: &random)
        }
        return TrainingBatch(samples: samples, quantizer: quantizer, hintPoints: points)
    }

    /// The seed of sample `sample` of batch `batch`.
    static func sampleSeed(_ seed: UInt64, batch: Int, sample: Int) -> UInt64 {
        (seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(batch)) &* 0xBF58_476D_1CE4_E5B9 &+ UInt64(sample)
    }

    /// The photo at `index` as RGB, shrunk to a short side of at most twice the training size;
    /// nil (and excluded, with a warning) when unreadable or smaller than the training size.
    private func photo(_ index: Int) -> Raster? {
        condition.lock()
        let cached = decoded[index]
        condition.unlock()
        if let cached { return cached }
        let path = photos.paths[index]
        let image: Image
        do { image = try ImageCodec.read(path: path) } catch {
            exclude(index, "\(error); skipped")
            return nil
        }
        let shortSide = min(image.width, image.height)
        guard shortSide >= augmenter.size else {
            exclude(
                index,
                "\(path): \(image.width)×\(image.height) is smaller than the training size \(augmenter.size); skipped")
            return nil
        }
        let scale = min(1, Double(2 * augmenter.size) / Double(shortSide))
        let rgb = image.rgb.resized(
            width: max(augmenter.size, Int((Double(image.width) * scale).rounded())),
            height: max(augmenter.size, Int((Double(image.height) * scale).rounded())))
        if let screen, let reason = screen.rejection(PhotoScreen.assess(rgb)) {
            exclude(index, "\(path): \(reason); skipped")
            return nil
        }
        condition.lock()
        decoded[index] = rgb
        condition.unlock()
        return rgb
    }

    private func exclude(_ index: Int, _ message: String) {
        condition.lock()
        let inserted = excluded.insert(index).inserted
        condition.broadcast()
        condition.unlock()
        if inserted { warnings(message) }
    }
}
