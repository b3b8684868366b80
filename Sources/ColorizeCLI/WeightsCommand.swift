import ArgumentParser
import Colorization
import Foundation

/// Step 0: the class-rebalancing ("magic") weights from a histogram of colour-bin use.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Compute the magic weights (colour-bin rebalancing) from training photos.")

    @Option(help: "Folder tree of training photos.")
    var data: String

    @Option(help: "Number of random augmented crops to count (the seed used ~40k).")
    var crops = 40_000

    @Option(help: "Crop size in pixels (the histogram barely depends on it; small is fast).")
    var size = 64

    @Option(name: [.short, .customLong("output")], help: "Where to write the weights as JSON.")
    var output = "magic-weights.json"

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    func validate() throws {
        guard crops > 0 else { throw ValidationError("--crops must be positive") }
        guard size >= 16 else { throw ValidationError("--size must be at least 16") }
    }

    func run() throws {
        let photos = try PhotoFolder(data)
        print("counting colour bins over \(crops) crops of \(photos.paths.count) photos…")
        let loader = BatchLoader(photos: photos, size: size, batchSize: 50, seed: seed)
        defer { loader.stop() }
        var lastShown = 0
        guard
            let weights = MagicWeights.estimate(
                from: loader, crops: crops,
                progress: { counted in
                    if counted - lastShown >= crops / 10 { print("  \(counted) crops"); lastShown = counted }
                })
        else { throw CLIError("\(data): no usable photos") }
        print(weights.table)
        try weights.write(to: output)
        print("wrote \(output) (\(loader.skippedCount) files skipped)")
    }
}
