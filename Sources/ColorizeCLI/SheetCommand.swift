import ArgumentParser
import Colorization
import Foundation
import Imaging

/// A contact sheet of grey | colorized | original rows for some photos.
struct SheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet",
        abstract: "Write a contact sheet (grey | colorized | original) for photos in a folder.")

    @Argument(help: "Photos or folders of photos.")
    var inputs: [String]

    @Option(name: [.short, .customLong("output")], help: "Sheet file (.png or .jpg).")
    var output = "sheet.png"

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "At most this many photos (in name order).")
    var count = 8

    @Option(help: "Longer side of each cell in pixels.")
    var side = 256

    @Option(help: "Annealed-mean temperature (default: the model's).")
    var temperature: Double?

    func validate() throws {
        try validateTemperatures(temperature.map { [$0] } ?? [])
    }

    func run() throws {
        let colorizer = try DefaultModel.colorizer(model)
        let evaluation = Evaluation(
            candidates: [Evaluation.Candidate(name: "model", colorizer: colorizer, temperature: temperature)],
            side: side)
        var paths: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw CLIError("\(input): no such file or folder")
            }
            paths += isDirectory.boolValue ? PhotoFolder.scan(input) : [input]
        }
        var rows: [[Raster]] = []
        for path in paths.prefix(count) {
            rows.append(evaluation.triplet(try ImageCodec.read(path: path)))
        }
        guard !rows.isEmpty else { throw CLIError("no photos found in \(inputs.joined(separator: ", "))") }
        try ImageCodec.write(SampleSheet.compose(rows), to: output)
        print("wrote \(output) (\(rows.count) rows: grey | colorized | original)")
    }
}
