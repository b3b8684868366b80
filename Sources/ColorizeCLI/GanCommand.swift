import ArgumentParser
import Colorization
import Foundation
import Tensor

/// Step 2: adversarial fine-tuning against a WGAN-GP critic.
struct GanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Fine-tune a pre-trained generator against a WGAN-GP critic (the seed's adaptive schedule).",
        discussion: """
            Each outer loop trains the critic RATIO times (16 at first, adapted between 5 and 32 from its \
            Wasserstein estimates) and then, when the estimates are probably positive, the generator twice. \
            Writes RUN/generator.safetensors (the model, with critic, optimizer states and schedule in the \
            same file: one atomic write), RUN/log.jsonl \
            and RUN/samples/. Ctrl-C saves and stops; --resume continues. Under mpirun or srun every rank \
            trains on its share of each --batch (the global batch), the schedule follows rank 0 and rank 0 \
            alone writes; BatchNorm uses its running statistics here, so ranks share nothing else.
            """)

    @Option(help: "Folder tree of training photos.")
    var data: String

    @Option(name: .customLong("from"), help: "Pre-trained generator (from `colorize pretrain`).")
    var from: String

    @Option(name: [.short, .customLong("out")], help: "Run folder.")
    var out: String

    @Option(help: "Outer loops to run (the run's end, also when resuming).")
    var loops = 100

    @Option(help: "Batch size; under MPI the global batch, shared by the ranks.")
    var batch = 6

    @Option(help: "Gradient-penalty weight λ (WGAN-GP paper: 10; the seed: 1000).")
    var lambda: Float = 10

    @Option(help: "Weight of the pre-training cross-entropy kept in the generator's loss (0 = pure adversarial).")
    var anchor: Float = 1

    @Option(help: "Generator learning rate.")
    var generatorLr: Float = 1e-5

    @Option(help: "Critic learning rate.")
    var criticLr: Float = 1e-4

    @Option(
        help:
            "Generator layers frozen at the start, in forward order (seed: 0…21; lite0/lite2: the first 17 are the encoder's, then 10 decoder layers)."
    )
    var frozenLayers = 14

    @Option(help: "Generator steps between unfreezing one more layer (0: never).")
    var unfreezeEvery = 20

    @Option(help: "Outer loops between checkpoints and sample sheets.")
    var checkpointEvery = 25

    @Flag(
        help:
            "Keep every checkpoint's generator as RUN/checkpoints/outer-N.safetensors (to choose one on validation photos)."
    )
    var keepCheckpoints = false

    @Option(help: "Random seed.")
    var seed: UInt64 = 2

    @Option(
        help:
            "Number format of the convolutions' multiply-adds: auto (bf16 where the CPU has native bf16 — AVX512_BF16 or AMX — fp32 elsewhere), fp32, or bf16 (fp32 sums and weights; about twice as fast with native bf16, slower without)."
    )
    var precision = PrecisionChoice.auto

    @Flag(help: "Continue the run in --out (with any number of ranks).")
    var resume = false

    @OptionGroup var distribution: DistributedOptions
    @OptionGroup(title: "Training input") var input: TrainingInputOptions

    func validate() throws {
        guard loops > 0 && batch > 0 && checkpointEvery > 0 else {
            throw ValidationError("--loops, --batch and --checkpoint-every must be positive")
        }
        guard lambda >= 0 && anchor >= 0 && frozenLayers >= 0 && unfreezeEvery >= 0 else {
            throw ValidationError("weights and layer counts must not be negative")
        }
    }

    func run() throws {
        var options = AdversarialTrainer.Options(data: data, pretrainedPath: from, runDirectory: out, outerLoops: loops)
        options.batchSize = batch
        options.lambda = lambda
        options.anchorWeight = anchor
        options.generatorLearningRate = generatorLr
        options.criticLearningRate = criticLr
        options.frozenLayers = frozenLayers
        options.unfreezeEvery = unfreezeEvery
        options.checkpointEvery = checkpointEvery
        options.keepCheckpoints = keepCheckpoints
        options.seed = seed
        options.degradation = input.degradation
        options.screen = input.screen
        options.resume = resume
        options.precision = precision.resolved()
        try distribution.run(synchronizingBatchNorm: false, globalBatch: batch) { parallel in
            options.parallel = parallel
            try AdversarialTrainer(options).run()
        }
    }
}
