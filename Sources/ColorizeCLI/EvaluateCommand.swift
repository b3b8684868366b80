import ArgumentParser
import Colorization
import Foundation
import Imaging

/// Metrics on held-out colour photos, beside the grey baseline, plus good/so-so/ugly contact sheets.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure colorization on colour photos against the grey baseline.",
        discussion: """
        Reports mean PSNR, ab-error AuC (0–150, plain and class-rebalanced) and colourfulness for the model \
        and for the grey baseline, and writes contact sheets good.png / soso.png / ugly.png (grey | colorized \
        | original), splitting the photos into terciles of their rebalanced AuC.
        """)

    @Option(help: "Folder tree of colour photos (not used for training).")
    var data: String

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "Photos are scaled so their longer side has this many pixels.")
    var side = 256

    @Option(help: "Annealed-mean temperature (default: the model's).")
    var temperature: Double?

    @Option(help: "Folder for the contact sheets.")
    var sheets = "evaluation"

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let photos = try PhotoFolder(data)
        let colorizer = try DefaultModel.colorizer(model)
        let evaluation = Evaluation(colorizer: colorizer, side: side)
        var results: [Evaluation.PhotoResult] = [], failed: [String] = [], rows: [(Double, [Raster])] = []
        for (index, path) in photos.paths.enumerated() {
            do {
                let image = try ImageCodec.read(path: path)
                let (result, row) = evaluation.evaluate(image, path: path, temperature: temperature)
                results.append(result)
                rows.append((result.ours.rebalancedAUC, row))
                if !json { print("[\(index + 1)/\(photos.paths.count)] \(path)") }
            } catch {
                failed.append("\(error)")
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        guard !results.isEmpty else { throw CLIError("\(data): no photo could be evaluated") }
        let summary = Evaluation.summarize(results, failed: failed)
        try FileManager.default.createDirectory(atPath: sheets, withIntermediateDirectories: true)
        let ranked = rows.sorted { $0.0 > $1.0 }.map(\.1)
        let third = max(1, (ranked.count + 2) / 3)
        for (name, slice) in [("good", ranked.prefix(third)), ("soso", ranked.dropFirst(third).prefix(third)), ("ugly", ranked.dropFirst(2 * third))]
        where !slice.isEmpty {
            try ImageCodec.write(SampleSheet.compose(Array(slice)), to: (sheets as NSString).appendingPathComponent("\(name).png"))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(Self.table(summary))
            print("contact sheets: \(sheets)/good.png, soso.png, ugly.png (terciles of rebalanced AuC)")
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }

    static func table(_ s: Evaluation.Summary) -> String {
        func row(_ name: String, _ v: Evaluation.Scores?, colourfulness: Double) -> String {
            let metrics = v.map { String(format: "%8.2f dB %9.4f %12.4f", $0.psnr, $0.auc, $0.rebalancedAUC) } ?? String(repeating: " ", count: 33)
            return name.padding(toLength: 15, withPad: " ", startingAt: 0) + metrics + String(format: " %14.1f", colourfulness)
        }
        return [
            "\(s.photos) photos" + (s.failed.isEmpty ? "" : ", \(s.failed.count) failed"),
            "method              PSNR       AuC  rebal. AuC  colourfulness",
            row("colorize", s.ours, colourfulness: s.ours.colourfulness),
            row("grey baseline", s.grey, colourfulness: s.grey.colourfulness),
            row("originals", nil, colourfulness: s.originalColourfulness),
        ].joined(separator: "\n")
    }
}
