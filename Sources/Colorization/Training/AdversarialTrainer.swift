import Foundation
import Imaging
import NeuralNetwork
import Tensor

/// Step 2 of the seed's pipeline: fine-tune a pre-trained generator against a WGAN-GP critic with
/// the seed's adaptive schedule (see `CriticSchedule`) and gradual unfreezing.
///
/// Each outer loop trains the critic `ratio` times on real Lab crops versus the generator's
/// colorization of their L (generator fixed), then lets the generator step if the critic's
/// Wasserstein estimates are probably positive. The generator's loss is −mean D(G(L)) plus
/// `anchorWeight` × the rebalanced cross-entropy of pre-training, which keeps colours tied to the
/// data while the critic is still weak. BatchNorm layers use their running statistics throughout
/// (as Keras does for non-trainable BatchNorm), so fine-tuning does not disturb them.
///
/// A run folder holds `generator.safetensors` (the generator, and as training state in the same
/// file — one atomic write — its Adam moments, the critic, the critic's moments and the schedule),
/// `log.jsonl` and `samples/`.
public final class AdversarialTrainer {
    public struct Options: Sendable {
        public var data: String
        public var pretrainedPath: String
        public var runDirectory: String
        public var batchSize = 6
        /// Generator and critic learning rates. The seed used 1e-6 for both; our pre-trained
        /// generator is far from converged, so the critic learns faster at 1e-4.
        public var generatorLearningRate: Float = 1e-5
        public var criticLearningRate: Float = 1e-4
        /// Gradient-penalty weight λ: 10 as in the WGAN-GP paper (the seed used 1e3, which with our
        /// per-sample norm pins the critic's slope and slows it to a crawl).
        public var lambda: Float = 10
        public var anchorWeight: Float = 1
        /// Outer loops to run (each: `ratio` critic steps, then 0 or 2 generator steps).
        public var outerLoops: Int
        public var checkpointEvery = 25
        /// Also keep each checkpoint's generator as `checkpoints/outer-N.safetensors`.
        public var keepCheckpoints = false
        /// Generator layers frozen at the start (in forward order), and generator steps between
        /// unfreezing one more layer (0 = keep the initial freeze).
        public var frozenLayers = 14
        public var unfreezeEvery = 20
        public var seed: UInt64 = 2
        public var resume = false
        public var workers = 2
        /// The number format of the convolutions' multiply-adds (bf16 roughly halves a step's time).
        /// Show the network old-photograph greys of its crops (`OldPhotoDegradation`); nil: true L.
        public var degradation: OldPhotoDegradation?
        /// Leave out photos that teach no colour or a cast (`PhotoScreen`); nil: train on all.
        public var screen: PhotoScreen?
        public var precision = ConvolutionPrecision.fp32
        /// The ranks training together (`DataParallel`); `batchSize` is the global batch they share.
        /// The critic schedule decides on rank 0's numbers (the global batch's), broadcast to all.
        public var parallel = DataParallel.single

        public init(data: String, pretrainedPath: String, runDirectory: String, outerLoops: Int) {
            self.data = data
            self.pretrainedPath = pretrainedPath
            self.runDirectory = runDirectory
            self.outerLoops = outerLoops
        }
    }

    let options: Options
    public init(_ options: Options) { self.options = options }

    var generatorPath: String { (options.runDirectory as NSString).appendingPathComponent("generator.safetensors") }

    /// Frozen layers after `generatorSteps` generator steps.
    public static func frozenLayers(initial: Int, unfreezeEvery: Int, generatorSteps: Int) -> Int {
        unfreezeEvery > 0 ? max(0, initial - generatorSteps / unfreezeEvery) : initial
    }

    /// Runs until `outerLoops` or Ctrl-C, saving checkpoints at the end either way. Returns the last outer loop.
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
        let resuming = options.resume && TrainingRun.rootFinds(generatorPath, parallel)
        let sourcePath = resuming ? generatorPath : options.pretrainedPath
        let contents = try TrainingRun.readCheckpoint(sourcePath, parallel)
        let (generator, metadata) = try ModelFile.loadGenerator(from: contents, path: sourcePath)
        guard let magicWeights = metadata.magicWeights else {
            throw Pretrainer.Failure.incompatibleResume(
                "\(sourcePath) has no magic weights (not a pre-trained Colorize model?)")
        }
        let configuration = metadata.configuration
        let critic = Critic(configuration, seed: options.seed)
        let generatorAdam = Adam(learningRate: options.generatorLearningRate)
        generatorAdam.learningRateScales = HintField.learningRateScales
        let criticAdam = Adam(learningRate: options.criticLearningRate)
        var schedule = CriticSchedule()
        var outer = 0, generatorSteps = 0, criticSteps = 0
        // The generator's step count before this run (pre-training); saved files count on from it.
        var pretrainedSteps = metadata.step
        if resuming {
            let state = contents.metadata
            guard
                let counts = ["outer_loops", "generator_steps", "critic_steps"].map({ state[$0].flatMap(Int.init) })
                    as? [Int], counts.allSatisfy({ $0 >= 0 })
            else {
                throw Pretrainer.Failure.incompatibleResume(
                    "\(generatorPath) holds no adversarial training state (a pre-training run's folder?)")
            }
            (outer, generatorSteps, criticSteps) = (counts[0], counts[1], counts[2])
            pretrainedSteps = max(0, metadata.step - generatorSteps)
            try Checkpoint.load(critic, from: contents, prefix: TrainingRun.criticPrefix, path: generatorPath)
            try Checkpoint.restoreOptimizer(
                generatorAdam, for: generator, from: contents, prefix: TrainingRun.optimizerPrefix,
                path: generatorPath)
            try Checkpoint.restoreOptimizer(
                criticAdam, for: critic, from: contents, prefix: TrainingRun.criticOptimizerPrefix,
                path: generatorPath)
            guard generatorAdam.step == generatorSteps, criticAdam.step == criticSteps else {
                throw Pretrainer.Failure.incompatibleResume(
                    "\(generatorPath): optimizer steps \(generatorAdam.step)/\(criticAdam.step) do not match the "
                        + "run's \(generatorSteps) generator and \(criticSteps) critic steps")
            }
            if let text = state["schedule"],
                let saved = try? JSONDecoder().decode(CriticSchedule.self, from: Data(text.utf8))
            {
                schedule = saved
            }
            print("resuming \(options.runDirectory) at outer loop \(outer) (critic ratio \(schedule.ratio))")
        }
        guard outer < options.outerLoops else { print("already at outer loop \(outer): nothing to do"); return outer }
        var frozen = Self.frozenLayers(
            initial: options.frozenLayers, unfreezeEvery: options.unfreezeEvery, generatorSteps: generatorSteps)
        generator.freeze(firstLayers: frozen)

        let share = parallel.share(ofBatch: options.batchSize)
        let loader = BatchLoader(
            photos: photos, size: configuration.size, batchSize: options.batchSize, seed: options.seed,
            startBatch: criticSteps + generatorSteps, workers: options.workers, share: share,
            hintSimulation: configuration.acceptsHints ? HintSimulation() : nil, degradation: options.degradation,
            screen: options.screen)
        defer { loader.stop() }
        let preview = parallel.isRoot ? loader.makeBatch(Int(Int32.max), share: 0..<options.batchSize) : nil
        guard preview != nil || !parallel.isRoot else { throw Pretrainer.Failure.noUsablePhotos(options.data) }
        let monitor = TrainingMonitor(
            logPath: parallel.isRoot ? (options.runDirectory as NSString).appendingPathComponent("log.jsonl") : nil,
            firstStep: outer, lastStep: options.outerLoops)
        print(
            "adversarial fine-tuning: \(photos.paths.count) photos, size \(configuration.size), width \(configuration.widthMultiplier), "
                + "λ \(options.lambda), \(options.precision) convolutions, critic \(critic.parameterCount) parameters, first \(frozen) generator layers frozen"
        )
        print(CPUFeatures.summary)
        var random = TensorRandom(seed: options.seed &+ UInt64(outer))
        let shape = { (batch: TrainingBatch) in
            [batch.count, configuration.size, configuration.size, configuration.bins]
        }

        func save() throws {
            guard parallel.isRoot, let preview else { return }
            let stage = "gan"
            let scheduleText = String(decoding: (try? JSONEncoder().encode(schedule)) ?? Data(), as: UTF8.self)
            let state = Checkpoint.Attachment(metadata: [
                "outer_loops": String(outer), "generator_steps": String(generatorSteps),
                "critic_steps": String(criticSteps), "schedule": scheduleText,
            ])
            try ModelFile.save(
                generator, magicWeights: magicWeights, step: pretrainedSteps + generatorSteps, stage: stage,
                attachment: state + .optimizer(generatorAdam, for: generator, prefix: TrainingRun.optimizerPrefix)
                    + .parameters(of: critic, prefix: TrainingRun.criticPrefix)
                    + .optimizer(criticAdam, for: critic, prefix: TrainingRun.criticOptimizerPrefix),
                to: generatorPath)
            if options.keepCheckpoints {
                try TrainingRun.keepCheckpoint(
                    generator, magicWeights: magicWeights, step: pretrainedSteps + generatorSteps, stage: stage,
                    runDirectory: options.runDirectory, name: String(format: "outer-%05d", outer))
            }
            try ImageCodec.write(
                SampleSheet.preview(generator, preview),
                to: (samplesDirectory as NSString).appendingPathComponent(String(format: "outer-%05d.png", outer)))
        }

        var stopping = false
        while outer < options.outerLoops && !stopping {
            // Critic: `ratio` steps with the generator fixed.
            var estimates: [Double] = [], penalties: [Double] = []
            let criticStart = Date()
            for _ in 0..<schedule.ratio where !stopping {
                guard let batch = loader.next() else { throw Pretrainer.Failure.noUsablePhotos(options.data) }
                // Every rank draws the global batch's mixing weights and uses its share of them.
                let epsilon = Tensor(
                    shape: [batch.count, 1, 1, 1],
                    values: Array(Tensor.uniform([options.batchSize], using: &random).scalars[share]))
                let objective = TrainingSteps.critic(
                    critic, generator: generator, lab: batch.lab, lightness: batch.lightness, hints: batch.hints,
                    epsilon: epsilon,
                    lambda: options.lambda, optimizer: criticAdam, parallel: parallel,
                    globalBatch: options.batchSize)
                stopping = parallel.anyRank(monitor.wasInterrupted)
                criticSteps += 1
                guard objective.wasserstein.isFinite, objective.penalty.isFinite else {
                    throw Pretrainer.Failure.nonFiniteLoss(
                        what: "the critic's objective", step: criticSteps, lastCheckpoint: generatorPath)
                }
                estimates.append(Double(objective.wasserstein))
                penalties.append(Double(objective.penalty))
            }
            let secondsPerCriticStep = Date().timeIntervalSince(criticStart) / Double(max(estimates.count, 1))
            // Rank 0's decision, followed by every rank (they see the same numbers; this makes sure).
            let own = schedule.decide(estimates: estimates)
            let shared = parallel.rootsDecision([Double(own.generatorSteps), Double(own.nextRatio), own.confidence])
            let decision = CriticSchedule.Decision(
                generatorSteps: Int(shared[0]), nextRatio: Int(shared[1]), confidence: shared[2])
            schedule.follow(decision)

            // Generator: 0 or 2 steps, critic fixed (its parameters get no gradient).
            var generatorLoss = 0.0
            let generatorStart = Date()
            for _ in 0..<decision.generatorSteps where !stopping {
                guard let batch = loader.next() else { throw Pretrainer.Failure.noUsablePhotos(options.data) }
                let targetsA = RebalancedCrossEntropy.targets(
                    bins: batch.binsA, shape: shape(batch), scale: magicWeights.targetScaleA)
                let targetsB = RebalancedCrossEntropy.targets(
                    bins: batch.binsB, shape: shape(batch), scale: magicWeights.targetScaleB)
                let loss = TrainingSteps.generator(
                    generator, critic: critic, lightness: batch.lightness, hints: batch.hints, targetsA: targetsA,
                    targetsB: targetsB, anchorWeight: options.anchorWeight, optimizer: generatorAdam,
                    parallel: parallel, globalBatch: options.batchSize)
                generatorSteps += 1
                stopping = parallel.anyRank(monitor.wasInterrupted)
                guard loss.isFinite else {
                    throw Pretrainer.Failure.nonFiniteLoss(
                        what: "the generator's loss", step: generatorSteps, lastCheckpoint: generatorPath)
                }
                generatorLoss += Double(loss) / Double(decision.generatorSteps)
            }
            let secondsPerGeneratorStep =
                decision.generatorSteps > 0
                ? Date().timeIntervalSince(generatorStart) / Double(decision.generatorSteps) : 0
            let nowFrozen = Self.frozenLayers(
                initial: options.frozenLayers, unfreezeEvery: options.unfreezeEvery, generatorSteps: generatorSteps)
            if nowFrozen != frozen {
                frozen = nowFrozen
                generator.freeze(firstLayers: frozen)
                monitor.note("unfroze a generator layer: first \(frozen) layers frozen")
            }
            outer += 1
            let meanW = estimates.reduce(0, +) / Double(max(estimates.count, 1))
            let meanPenalty = penalties.reduce(0, +) / Double(max(penalties.count, 1))
            monitor.record([
                "outer_loop": outer, "critic_steps": estimates.count, "generator_steps": decision.generatorSteps,
                "wasserstein": meanW, "penalty": meanPenalty, "confidence": decision.confidence,
                "ratio": decision.nextRatio,
                "generator_loss": generatorLoss, "frozen_layers": frozen,
                "seconds_per_critic_step": secondsPerCriticStep,
                "seconds_per_generator_step": secondsPerGeneratorStep, "total_generator_steps": generatorSteps,
            ])
            monitor.show(
                step: outer,
                String(
                    format: "W %.4f  GP %.4f  p %.2f  ratio %d  G steps %d (loss %.4f)  %.2f s/critic step",
                    meanW, meanPenalty, decision.confidence, decision.nextRatio, generatorSteps,
                    generatorLoss, secondsPerCriticStep))
            if outer % options.checkpointEvery == 0 { try save() }
        }
        try save()
        if parallel.size > 1 {
            let hash = try parallel.verifyIdenticalParameters(generator)
            try parallel.verifyIdenticalParameters(critic)
            monitor.note("parameters bit-identical on all \(parallel.size) ranks (FNV-1a \(String(hash, radix: 16)))")
        }
        monitor.note(
            "saved \(generatorPath) at outer loop \(outer)\(stopping ? " (interrupted)" : "")"
        )
        return outer
    }
}
