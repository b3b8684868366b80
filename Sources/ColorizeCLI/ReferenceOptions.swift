import ArgumentParser
import Colorization
import Foundation
import Imaging

/// `--reference FILE` (repeatable) on the commands that colorize: colour photos whose colours the
/// result should follow (`ReferenceMatcher`).
struct ReferenceOptions: ParsableArguments {
    @Option(
        name: .customLong("reference"),
        help: ArgumentHelp(
            "A colour photo showing what the colours should be (repeat for several; combines with --hint).",
            discussion: """
                Regions of the grey photo that look like regions of the reference take their colours; where \
                nothing matches, the automatic colours stay. A modern photo of the same street, a colour \
                portrait of the same person, or one frame coloured by hand all work. Needs a model trained \
                with hints (the shipped one is).
                """, valueName: "FILE"))
    var files: [String] = []

    @OptionGroup var matching: MatchingOptions

    /// The references, read and prepared for `colorizer`; a file that cannot serve (unreadable,
    /// grey, tiny, or a model that cannot match) is a usage error naming it. A reference much
    /// smaller than the network input gets a warning: its colours are matched from few cells.
    /// - Parameters:
    ///   - colorizer: the model that will follow them.
    ///   - networkSize: the network scale (`--size`), default the model's.
    func load(for colorizer: Colorizer, networkSize: Int? = nil) throws -> [ColorReference] {
        try Self.load(files, for: colorizer, networkSize: networkSize)
    }

    /// The images at `paths` as references, refused and warned about as `load(for:networkSize:)` does.
    static func load(_ paths: [String], for colorizer: Colorizer, networkSize: Int?) throws -> [ColorReference] {
        try paths.map { path in
            let image: Image
            do { image = try ImageCodec.read(path: path) } catch {
                throw ValidationError("\(ReferenceError.unreadable(path, reason: "\(error)"))")
            }
            let size = networkSize ?? colorizer.metadata.configuration.size
            if min(image.width, image.height) < size / 2 {
                TerminalText.printError(
                    "warning: \(path): the reference is \(image.width)×\(image.height), well below the network's "
                        + "\(size)×\(size); few of its regions can be matched")
            }
            do { return try colorizer.reference(image, name: path, networkSize: networkSize) } catch {
                throw ValidationError("\(error)")
            }
        }
    }
}
