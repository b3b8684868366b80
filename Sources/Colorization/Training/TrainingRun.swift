import Foundation
import NeuralNetwork
import Tensor

/// What both trainers do before their loop: open the photo folder, create RUN/samples, and put the
/// run's convolution precision in force for everything the loop computes.
enum TrainingRun {
    /// Name prefixes of the training state a run's checkpoint (RUN/generator.safetensors) holds beside
    /// the generator: its Adam moments and, in adversarial runs, the critic and the critic's moments.
    static let optimizerPrefix = "optimizer."
    static let criticPrefix = "critic."
    static let criticOptimizerPrefix = "critic-optimizer."

    /// Data-parallel, only rank 0 creates RUN/samples (it alone writes there). A rank whose run fails
    /// ends the job (`DataParallel.failJob`), so that no other rank waits for it for ever.
    static func start<Result>(
        data: String, runDirectory: String, precision: ConvolutionPrecision, parallel: DataParallel,
        _ body: (_ photos: PhotoFolder, _ samplesDirectory: String) throws -> Result
    ) throws -> Result {
        do {
            let photos = try PhotoFolder(data)
            let samplesDirectory = (runDirectory as NSString).appendingPathComponent("samples")
            if parallel.isRoot {
                try FileManager.default.createDirectory(atPath: samplesDirectory, withIntermediateDirectories: true)
            }
            return try ConvolutionPrecision.$current.withValue(precision) { try body(photos, samplesDirectory) }
        } catch {
            try parallel.failJob(error)
        }
    }

    /// Whether rank 0 finds a file at `path` (the others may not see rank 0's disk), on every rank.
    static func rootFinds(_ path: String, _ parallel: DataParallel) -> Bool {
        let found = parallel.isRoot && FileManager.default.fileExists(atPath: path)
        return parallel.rootsDecision([found ? 1 : 0])[0] == 1
    }

    /// The checkpoint at `path` as rank 0 reads it, on every rank: `--resume` needs the run folder on
    /// rank 0's disk only, and works for any number of ranks.
    static func readCheckpoint(_ path: String, _ parallel: DataParallel) throws(CheckpointError) -> SafeTensors.Contents
    {
        guard parallel.size > 1 else { return try SafeTensors.read(path: path) }
        var bytes: [UInt8] = []
        if parallel.isRoot {
            guard let data = FileManager.default.contents(atPath: path) else { throw .fileNotFound(path: path) }
            bytes = [UInt8](data)
        }
        return try SafeTensors.decode(Data(parallel.rootsBytes(bytes)), path: path)
    }

    /// Keeps a copy of the generator as RUN/checkpoints/NAME.safetensors (no optimizer state), so a
    /// checkpoint can be chosen afterwards on validation photos.
    static func keepCheckpoint(
        _ generator: any ColorizationNetwork, magicWeights: MagicWeights, step: Int, stage: String,
        runDirectory: String, name: String
    ) throws {
        let kept = (runDirectory as NSString).appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
        try ModelFile.save(
            generator, magicWeights: magicWeights, step: step, stage: stage,
            to: (kept as NSString).appendingPathComponent(name + ".safetensors"))
    }
}
