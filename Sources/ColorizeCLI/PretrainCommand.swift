import ArgumentParser
import Colorization
import Foundation
import Tensor

/// Step 1: pre-train the generator with rebalanced cross-entropy.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pre-train the generator on quantised colours (class-rebalanced cross-entropy).",
        discussion: """
            Writes RUN/generator.safetensors (the model, with the optimizer state in the same file: one \
            atomic write) every --checkpoint-every steps and \
            at the end, RUN/log.jsonl and RUN/samples/step-N.png (grey | colorized | original). Ctrl-C saves \
            a checkpoint and stops; --resume continues from it. Under mpirun or srun every rank trains on its \
            share of each --batch (the global batch) and rank 0 alone writes; see README, Scaling out.
            """)

    @Option(help: "Folder tree of training photos.")
    var data: String

    @Option(name: [.short, .customLong("out")], help: "Run folder for checkpoints, log and samples.")
    var out: String

    @Option(help: "Training image size (multiple of 64 for seed, of 32 for lite0/lite2).")
    var size = 128

    @Option(
        help:
            "Generator family: seed (the seed's U-Net from scratch), lite0 or lite2 (a U-Net decoder on the ImageNet-pretrained EfficientNet-Lite encoder; needs scripts/install-pretrained.sh)."
    )
    var architecture: ModelConfiguration.Architecture = .seed

    @Option(
        help:
            "Width multiplier of every layer (1.0 = the seed's 19.2 M-parameter model); of the decoder only for lite0/lite2."
    )
    var width = 0.5

    @Flag(
        help:
            "Train a model that takes colour hints (lite0/lite2): each crop gets simulated clicks (Zhang et al. 2017), none for 30 % of crops."
    )
    var hints = false

    @Option(
        help: ArgumentHelp(
            "Add hint branches to this finished model (lite0/lite2, without hints) and train them alone.",
            discussion:
                "Its weights stay frozen, so without hints the result colorizes exactly as MODEL does; its size, "
                + "width, architecture and magic weights are used (implies --hints).",
            valueName: "MODEL"))
    var hintBase: String?

    @Option(help: "Pretrained encoder: steps that train the decoder alone first.")
    var encoderFrozenSteps = 0

    @Option(help: "Pretrained encoder: steps between unfreezing one more encoder layer, top down (0: all at once).")
    var unfreezeEvery = 0

    @Option(help: "Pretrained encoder: its learning rate as a fraction of --lr.")
    var encoderLrScale: Float = 0.1

    @Option(help: "Batch size (the seed used 6); under MPI the global batch, shared by the ranks.")
    var batch = 6

    @Option(help: "Adam learning rate. 1e-4 trains from scratch; the seed's 1e-6 was its fine-tuning rate.")
    var lr: Float = 1e-4

    @Option(help: "Step from which the learning rate falls along a half cosine to 0 at --steps (default: constant).")
    var decayFrom: Int?

    @Flag(help: "Keep every checkpoint as RUN/checkpoints/step-N.safetensors (to choose one on validation photos).")
    var keepCheckpoints = false

    @Option(help: "Total optimizer steps (the run's end, also when resuming).")
    var steps: Int?

    @Option(help: "Alternatively, epochs: passes of (number of photos / batch) steps.")
    var epochs: Int?

    @Option(help: "Magic weights JSON from `colorize weights` (default: estimate from 2,000 crops).")
    var weights: String?

    @Option(help: "Steps between checkpoints and sample sheets.")
    var checkpointEvery = 250

    @Option(help: "Steps between log lines.")
    var logEvery = 10

    @Option(help: "Random seed (initialisation and data order).")
    var seed: UInt64 = 1

    @Option(help: "Background threads decoding photos.")
    var workers = 2

    @Option(
        help:
            "Number format of the convolutions' multiply-adds: auto (bf16 where the CPU has native bf16 — AVX512_BF16 or AMX — fp32 elsewhere), fp32, or bf16 (fp32 sums and weights; about twice as fast with native bf16, slower without)."
    )
    var precision = PrecisionChoice.auto

    @Flag(help: "Continue from RUN/generator.safetensors (with any number of ranks).")
    var resume = false

    @Flag(
        help:
            "Under MPI: BatchNorm normalises by the global batch's statistics (reduced across ranks), as one process would; default: each rank's own."
    )
    var syncBatchnorm = false

    @OptionGroup var distribution: DistributedOptions
    @OptionGroup(title: "Training input") var input: TrainingInputOptions

    func validate() throws {
        guard size > 0 && size % architecture.sizeMultiple == 0 else {
            throw ValidationError(
                "--size must be a positive multiple of \(architecture.sizeMultiple) for \(architecture)")
        }
        if let hintBase {
            guard FileManager.default.fileExists(atPath: hintBase) else {
                throw ValidationError("--hint-base \(hintBase): no such file")
            }
            guard weights == nil && encoderFrozenSteps == 0 && unfreezeEvery == 0 else {
                throw ValidationError(
                    "--hint-base takes its magic weights from the model and keeps its encoder frozen: "
                        + "drop --weights, --encoder-frozen-steps and --unfreeze-every")
            }
        }
        guard !hints || architecture != .seed else {
            throw ValidationError("--hints needs a pretrained-encoder architecture (lite0 or lite2)")
        }
        guard width > 0 && batch > 0 && lr > 0 && lr.isFinite else {
            throw ValidationError("--width, --batch and --lr must be positive")
        }
        // The same bound as a model file's (`ModelConfiguration.problem`): inf or 1e300 would ask
        // for more channels than any memory holds.
        guard width.isFinite && width <= 4 else { throw ValidationError("--width must be at most 4 (got \(width))") }
        guard (steps == nil) != (epochs == nil) else {
            throw ValidationError("give exactly one of --steps and --epochs")
        }
        if let decayFrom, decayFrom < 0 || decayFrom >= (steps ?? Int.max) {
            throw ValidationError("--decay-from must be ≥ 0 and below --steps")
        }
        guard checkpointEvery > 0 && logEvery > 0 else { throw ValidationError("intervals must be positive") }
        guard encoderFrozenSteps >= 0 && unfreezeEvery >= 0 && encoderLrScale > 0 else {
            throw ValidationError(
                "--encoder-frozen-steps and --unfreeze-every must be ≥ 0, --encoder-lr-scale positive")
        }
    }

    func run() throws {
        let photos = try PhotoFolder(data)
        let total = steps ?? max(1, (epochs ?? 1) * photos.paths.count / batch)
        var options = Pretrainer.Options(
            data: data, runDirectory: out,
            configuration: ModelConfiguration(
                size: size, widthMultiplier: width, architecture: architecture, acceptsHints: hints),
            steps: total)
        options.encoderFrozenSteps = encoderFrozenSteps
        options.unfreezeEvery = unfreezeEvery
        options.encoderLearningRateScale = encoderLrScale
        options.batchSize = batch
        options.learningRate = lr
        options.checkpointEvery = checkpointEvery
        options.decayFrom = decayFrom
        options.keepCheckpoints = keepCheckpoints
        options.logEvery = logEvery
        options.seed = seed
        options.degradation = input.degradation
        options.screen = input.screen
        options.resume = resume
        options.magicWeightsPath = weights
        options.hintBase = hintBase
        options.workers = workers
        options.precision = precision.resolved()
        try distribution.run(synchronizingBatchNorm: syncBatchnorm, globalBatch: batch) { parallel in
            options.parallel = parallel
            try Pretrainer(options).run()
        }
    }
}
