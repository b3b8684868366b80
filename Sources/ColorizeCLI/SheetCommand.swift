import ArgumentParser
import Colorization
import Foundation
import Imaging

/// A contact sheet of grey | colorized | original rows for some photos (with hints or a colour
/// reference, their column beside the automatic one).
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

    @Option(
        name: .customLong("hint"),
        help: ArgumentHelp(
            "A colour hint X,Y,COLOR in each photo's own pixels (as `colorize --hint`); repeat for more.",
            discussion: "With hints each row is grey | automatic | with hints (marked) | original.",
            valueName: "X,Y,COLOR"))
    var hint: [String] = []

    @Flag(help: "Replace the sheet file if it exists (never an input).")
    var overwrite = false

    @OptionGroup(title: "Colour reference") var references: ReferenceOptions

    @Option(
        help: ArgumentHelp(
            "Use each photo's own halves as target and reference (split), as `evaluate --reference-protocol split`.",
            discussion: """
                Each row is then the grey right (or bottom) half | automatic | with the colour left (or top) half as \
                its reference | original | the reference.
                """, valueName: "split"))
    var referenceProtocol: ReferenceProtocol?

    @OptionGroup(title: "Colour decoding") var chroma: DecodingOptions

    func validate() throws {
        try validateTemperatures(temperature.map { [$0] } ?? [])
        if let referenceProtocol, referenceProtocol != .split {
            throw ValidationError("sheet takes --reference-protocol split only (got \(referenceProtocol.rawValue))")
        }
        if referenceProtocol != nil && !references.files.isEmpty {
            throw ValidationError("give --reference or --reference-protocol split, not both")
        }
    }

    func run() throws {
        let hints = try hint.map { text throws(HintError) in try ColorHint(parsing: text) }
        let colorizer = try DefaultModel.colorizer(
            model, hints: hints, decoding: chroma.decoding, matching: references.matching.settings)
        let given = try references.load(for: colorizer)
        let referenced = referenceProtocol != nil || !given.isEmpty
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
        // Refused before any colorizing: the sheet would replace an input or, unasked, a file.
        try OutputFileCheck.check(output, inputs: paths + references.files, overwrite: overwrite)
        var rows: [[Raster]] = []
        for path in paths.prefix(count) {
            var image = try ImageCodec.read(path: path)
            var reference: (ColorReference, Raster)?
            if referenceProtocol != nil {
                // The right (or bottom) half is the photo; the left (or top) half, its reference.
                let pair = ReferenceProtocol.split.pairs(image.rgb, other: nil, seed: 0)[0]
                image = Image(color: pair.target)
                reference = (
                    try colorizer.reference(Image(color: pair.reference), name: "\(path) (\(pair.label))"),
                    evaluation.scaled(Image(color: pair.reference))
                )
            }
            var row = evaluation.triplet(image)
            if !hints.isEmpty {
                for hint in hints { try hint.check(width: image.width, height: image.height) }
                // The hints at the cell's scale, then marked where they were given.
                let scale = Double(row[0].width) / Double(image.width)
                let scaled = try hints.map { hint throws(HintError) in
                    try ColorHint(x: hint.x * scale, y: hint.y * scale, color: hint.color)
                }
                let hinted = colorizer.colorize(Image(color: row[2]), hints: scaled, temperature: temperature).rgb
                row.insert(HintMarkers.draw(scaled, on: hinted), at: 2)
            }
            if referenced {
                let original = row[row.count - 1], followed = reference.map { [$0.0] } ?? given
                row.insert(
                    colorizer.colorize(Image(color: original), references: followed, temperature: temperature).rgb,
                    at: row.count - 1)
                if let shown = reference?.1 { row.append(shown) }
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw CLIError("no photos found in \(inputs.joined(separator: ", "))") }
        try ImageCodec.write(SampleSheet.compose(rows), to: output)
        let columns =
            referenceProtocol != nil
            ? "grey half | automatic | with reference | original | reference half"
            : referenced
                ? "grey | automatic | with reference | original"
                : hints.isEmpty ? "grey | colorized | original" : "grey | automatic | with hints | original"
        print("wrote \(output) (\(rows.count) rows: \(columns))")
    }
}
