import Foundation
import Imaging
import NeuralNetwork
import Tensor
import Threading

/// Step 1 of the seed's pipeline: pre-train the generator with class-rebalanced cross-entropy on
/// both colour heads. A run lives in one folder: `generator.safetensors` (+ optimizer state),
/// `log.jsonl`, `samples/step-N.png`; `resume` continues from its checkpoint.
public final class Pretrainer {
    public struct Options: Sendable {
        public var data: String
        public var runDirectory: String
        public var configuration: ModelConfiguration
        public var batchSize = 6
        /// 1e-4 from scratch; the seed's 1e-6 was its fine-tuning rate (see README).
        public var learningRate: Float = 1e-4
        public var steps: Int
        public var checkpointEvery = 250
        public var logEvery = 10
        public var seed: UInt64 = 1
        public var resume = false
        /// JSON from `colorize weights`; nil estimates them from 2,000 crops first.
        public var magicWeightsPath: String?
        public var workers = 2
        /// The number format of the convolutions' multiply-adds (bf16 roughly halves a step's time).
        public var precision = ConvolutionPrecision.fp32
        /// A pretrained encoder's schedule, in the seed's "adiabatic" spirit: the decoder alone for
        /// `encoderFrozenSteps`, then one more encoder layer unfrozen, from the top down, every
        /// `unfreezeEvery` steps (0: all at once), trained at `encoderLearningRateScale` × the rate.
        public var encoderFrozenSteps = 0
        public var unfreezeEvery = 0
        public var encoderLearningRateScale: Float = 0.1
        /// Cosine decay of the learning rate from `learningRate` at step `decayFrom` to 0 at `steps`
        /// (nil: constant). Fine-tuning the whole network at a falling rate settles the last checkpoint.
        public var decayFrom: Int?
        /// Also keep each checkpoint as `checkpoints/step-N.safetensors` (generator only), so that a
        /// checkpoint can be chosen afterwards on validation photos.
        public var keepCheckpoints = false
        /// A finished model without hints (a file) to which hint branches are added and trained alone:
        /// its weights stay frozen, so without hints the result colorizes exactly as it does. Its
        /// configuration and magic weights replace `configuration` and `magicWeightsPath`.
        public var hintBase: String?
        /// Show the network old-photograph greys of its crops (`OldPhotoDegradation`); nil: true L.
        public var degradation: OldPhotoDegradation?
        /// Leave out photos that teach no colour or a cast (`PhotoScreen`); nil: train on all.
        public var screen: PhotoScreen?
        /// The ranks training together (`DataParallel`); `batchSize` is the global batch they share.
        public var parallel = DataParallel.single

        public init(data: String, runDirectory: String, configuration: ModelConfiguration, steps: Int) {
            self.data = data
            self.runDirectory = runDirectory
            self.configuration = configuration
            self.steps = steps
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case noUsablePhotos(String)
        case incompatibleResume(String)
        case unsuitableHintBase(path: String, reason: String)
        /// Training diverged (or its checkpoint held poison): it stops before the next checkpoint, so
        /// the last one on disk is the last good state.
        case nonFiniteLoss(what: String, step: Int, lastCheckpoint: String)
        public var description: String {
            switch self {
            case let .nonFiniteLoss(what, step, lastCheckpoint):
                "\(what) is not finite at step \(step): training stopped; \(lastCheckpoint) keeps the last good "
                    + "checkpoint (lower the learning rate, or resume from it)"
            case let .noUsablePhotos(path):
                "\(path): no usable photos (all unreadable or smaller than the training size)"
            case let .incompatibleResume(reason): "cannot resume: \(reason)"
            case let .unsuitableHintBase(path, reason): "\(path): cannot add hint branches to it: \(reason)"
            }
        }
    }

    let options: Options
    public init(_ options: Options) { self.options = options }

    public var checkpointPath: String {
        (options.runDirectory as NSString).appendingPathComponent("generator.safetensors")
    }

    /// Runs until `steps` or Ctrl-C, saving a checkpoint at the end either way. Returns the last step.
    @discardableResult
    public func run() throws -> Int {
        try TrainingRun.start(
            data: options.data, runDirectory: options.runDirectory, precision: options.precision,
            parallel: options.parallel, train)
    }

    /// Data-parallel, every rank runs this in lock-step; rank 0 alone prints, logs and saves.
    private func train(_ photos: PhotoFolder, samplesDirectory: String) throws -> Int {
        let parallel = options.parallel
        let print = { (text: String) in if parallel.isRoot { Swift.print(text) } }

        var configuration = options.configuration
        var startStep = 0
        var magicWeights: MagicWeights
        let generator: any ColorizationNetwork
        let adam = Adam(learningRate: options.learningRate)
        if options.resume, TrainingRun.rootFinds(checkpointPath, parallel) {
            let contents = try TrainingRun.readCheckpoint(checkpointPath, parallel)
            let (loaded, metadata) = try ModelFile.loadGenerator(from: contents, path: checkpointPath)
            guard let weights = metadata.magicWeights else {
                throw Failure.incompatibleResume("\(checkpointPath) has no magic weights")
            }
            generator = loaded
            configuration = metadata.configuration
            magicWeights = weights
            startStep = metadata.step
            try Checkpoint.restoreOptimizer(
                adam, for: loaded, from: contents, prefix: TrainingRun.optimizerPrefix, path: checkpointPath)
            guard adam.step == startStep else {
                throw Failure.incompatibleResume(
                    "\(checkpointPath): optimizer state at step \(adam.step), the generator at step \(startStep)")
            }
            print("resuming \(checkpointPath) at step \(startStep)")
        } else if let path = options.hintBase {
            if options.resume { print("no checkpoint in \(options.runDirectory) yet: starting from \(path)") }
            let (base, metadata) = try ModelFile.loadGenerator(
                from: TrainingRun.readCheckpoint(path, parallel), path: path)
            guard let base = base as? PretrainedGenerator, !base.configuration.acceptsHints,
                let weights = metadata.magicWeights
            else {
                throw Failure.unsuitableHintBase(
                    path: path, reason: "it must be a pretrained-encoder model without hints, with magic weights")
            }
            generator = PretrainedGenerator.addingHints(to: base, seed: options.seed)
            configuration = generator.configuration
            magicWeights = weights
            if parallel.isRoot {
                try weights.write(to: (options.runDirectory as NSString).appendingPathComponent("magic-weights.json"))
            }
        } else {
            if options.resume { print("no checkpoint in \(options.runDirectory) yet: starting from scratch") }
            generator = try ModelFile.newGenerator(configuration, seed: options.seed)
            parallel.broadcastParameters(generator)
            // Rank 0 reads or estimates the weights, which every rank then receives.
            var encoded: [UInt8] = []
            if parallel.isRoot {
                let weights: MagicWeights
                if let path = options.magicWeightsPath {
                    weights = try MagicWeights.read(path: path)
                } else {
                    print("estimating magic weights from 2000 crops (use `colorize weights` for the seed's 40k)…")
                    let estimator = BatchLoader(
                        photos: photos, size: configuration.size, batchSize: 20, seed: options.seed ^ 0xABCD,
                        workers: options.workers)
                    defer { estimator.stop() }
                    guard let estimate = MagicWeights.estimate(from: estimator, crops: 2000) else {
                        throw Failure.noUsablePhotos(options.data)
                    }
                    weights = estimate
                }
                try weights.write(to: (options.runDirectory as NSString).appendingPathComponent("magic-weights.json"))
                encoded = [UInt8](try JSONEncoder().encode(weights))
            }
            magicWeights = try JSONDecoder().decode(MagicWeights.self, from: Data(parallel.rootsBytes(encoded)))
        }
        guard startStep < options.steps else {
            print("already at step \(startStep) of \(options.steps): nothing to do")
            return startStep
        }

        let loader = BatchLoader(
            photos: photos, size: configuration.size, batchSize: options.batchSize, seed: options.seed,
            startBatch: startStep, workers: options.workers, share: parallel.share(ofBatch: options.batchSize),
            hintSimulation: configuration.acceptsHints ? HintSimulation() : nil, degradation: options.degradation,
            screen: options.screen)
        defer { loader.stop() }
        let preview = parallel.isRoot ? loader.makeBatch(Int(Int32.max), share: 0..<options.batchSize) : nil
        guard preview != nil || !parallel.isRoot else { throw Failure.noUsablePhotos(options.data) }
        let monitor = TrainingMonitor(
            logPath: parallel.isRoot ? (options.runDirectory as NSString).appendingPathComponent("log.jsonl") : nil,
            firstStep: startStep, lastStep: options.steps)
        var frozenLayers: Int?
        /// Freezes what the schedule freezes at `step` (on a hint base, the whole base); whether that changed.
        func freeze(atStep step: Int) -> Bool {
            guard let pretrained = generator as? PretrainedGenerator else { return false }
            let frozen =
                options.hintBase == nil
                ? frozenEncoderLayers(atStep: step, of: pretrained.encoderLayerCount) : pretrained.baseLayerCount
            defer { frozenLayers = frozen }
            guard frozen != frozenLayers else { return false }
            pretrained.freeze(firstLayers: frozen)
            return true
        }
        _ = freeze(atStep: startStep)
        print(
            "pre-training: \(photos.paths.count) photos, size \(configuration.size), width \(configuration.widthMultiplier), "
                + "batch \(options.batchSize), lr \(options.learningRate), \(options.precision) convolutions, "
                + "\(generator.trainableParameterCount) trainable parameters"
                + (parallel.size > 1
                    ? ", \(parallel.size) ranks × \(Threads.count) threads, batch statistics "
                        + (parallel.synchronizesBatchNorm ? "synchronised" : "per rank") : ""))
        print(CPUFeatures.summary)

        func save(_ step: Int) throws {
            parallel.averageRunningStatistics(generator)  // every rank, before rank 0 writes
            guard parallel.isRoot, let preview else { return }
            try ModelFile.save(
                generator, magicWeights: magicWeights, step: step, stage: "pretrain",
                attachment: .optimizer(adam, for: generator, prefix: TrainingRun.optimizerPrefix), to: checkpointPath)
            if options.keepCheckpoints {
                try TrainingRun.keepCheckpoint(
                    generator, magicWeights: magicWeights, step: step, stage: "pretrain",
                    runDirectory: options.runDirectory, name: String(format: "step-%06d", step))
            }
            try ImageCodec.write(
                SampleSheet.preview(generator, preview),
                to: (samplesDirectory as NSString).appendingPathComponent(String(format: "step-%06d.png", step)))
        }

        adam.learningRateScales = HintField.learningRateScales + [("encoder.", options.encoderLearningRateScale)]
        var step = startStep
        var window = (lossA: 0.0, lossB: 0.0, images: 0, seconds: 0.0, wait: loader.waitSeconds)
        let shape = { (batch: TrainingBatch) in
            [batch.count, configuration.size, configuration.size, configuration.bins]
        }
        var stopping = false
        while step < options.steps && !stopping {
            let started = Date()
            adam.learningRate = learningRate(atStep: step)
            guard let batch = loader.next() else { throw Failure.noUsablePhotos(options.data) }
            let frozenChanged = freeze(atStep: step) && parallel.size > 1
            let targetsA = RebalancedCrossEntropy.targets(
                bins: batch.binsA, shape: shape(batch), scale: magicWeights.targetScaleA)
            let targetsB = RebalancedCrossEntropy.targets(
                bins: batch.binsB, shape: shape(batch), scale: magicWeights.targetScaleB)
            let losses = TrainingSteps.pretrain(
                generator, lightness: batch.lightness, hints: batch.hints, targetsA: targetsA, targetsB: targetsB,
                optimizer: adam, parallel: parallel, globalBatch: options.batchSize)
            step += 1
            if parallel.size > 1 && step == startStep + 1 || frozenChanged {
                let (floats, buckets) = parallel.lastReduction
                monitor.note(
                    String(
                        format: "all-reducing %d fp32 gradients per step (%.2f MB in %d buckets) across %d ranks",
                        floats, Double(floats * 4) / 1e6, buckets, parallel.size))
            }
            // Ctrl-C on any rank stops every rank after the same step.
            stopping = parallel.anyRank(monitor.wasInterrupted)
            guard losses.a.isFinite, losses.b.isFinite else {
                throw Failure.nonFiniteLoss(what: "the loss", step: step, lastCheckpoint: checkpointPath)
            }
            window.lossA += Double(losses.a)
            window.lossB += Double(losses.b)
            window.images += options.batchSize
            window.seconds += Date().timeIntervalSince(started)
            if step % options.logEvery == 0 || step == options.steps {
                let steps = Double(max(1, step % options.logEvery == 0 ? options.logEvery : step % options.logEvery))
                let wait = loader.waitSeconds - window.wait
                let rate = Double(window.images) / window.seconds
                monitor.record([
                    "step": step, "learning_rate": Double(adam.learningRate), "loss_a": window.lossA / steps,
                    "loss_b": window.lossB / steps,
                    "images_per_second": rate, "data_wait_seconds": wait, "skipped_files": loader.skippedCount,
                ])
                monitor.show(
                    step: step,
                    String(
                        format: "loss a %.4f b %.4f  %.2f img/s  data wait %.1fs",
                        window.lossA / steps, window.lossB / steps, rate, wait))
                window = (0, 0, 0, 0, loader.waitSeconds)
            }
            if step % options.checkpointEvery == 0 { try save(step) }
        }
        try save(step)
        if parallel.size > 1 {
            let hash = try parallel.verifyIdenticalParameters(generator)
            monitor.note("parameters bit-identical on all \(parallel.size) ranks (FNV-1a \(String(hash, radix: 16)))")
        }
        monitor.note("saved \(checkpointPath) at step \(step)\(stopping ? " (interrupted)" : "")")
        return step
    }

    /// The schedule's learning rate at `step`: constant, then a half cosine from `decayFrom` to `steps`.
    func learningRate(atStep step: Int) -> Float {
        guard let start = options.decayFrom, step >= start, options.steps > start else { return options.learningRate }
        let progress = Double(step - start) / Double(options.steps - start)
        return options.learningRate * Float(0.5 * (1 + cos(Double.pi * progress)))
    }

    /// How many of the encoder's layers (stem first) stay frozen at `step` under the schedule.
    func frozenEncoderLayers(atStep step: Int, of count: Int) -> Int {
        guard step >= options.encoderFrozenSteps else { return count }
        guard options.unfreezeEvery > 0 else { return 0 }
        return max(0, count - 1 - (step - options.encoderFrozenSteps) / options.unfreezeEvery)
    }
}
