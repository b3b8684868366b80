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
            Reports, for each --model and for the grey baseline: mean PSNR, ab-error AuC (0–150, plain and \
            class-rebalanced; one colour prior for all rows, the first model's), false colour (the share of \
            pixels given chroma ≥ 20 where the original's is below 8, or ≥ 20 at a hue 90° or more away: \
            blotches; grey scores 0), colourfulness, ΔCF (its gap to \
            the originals' colourfulness) and FD, a Fréchet distance between pooled features of the pretrained \
            EfficientNet-Lite2 (FID-style, not Inception-FID: compare it only within one table; needs \
            scripts/install-pretrained.sh). Writes contact sheets good.png / soso.png / ugly.png (grey | \
            colorized | original) of the first model, splitting the photos into terciles of its rebalanced AuC.
            """)

    @Option(help: "Folder tree of colour photos (not used for training).")
    var data: String

    @Option(
        name: [.customLong("model")],
        help: "Model file; repeat to compare models side by side (default: the shipped model).")
    var models: [String] = []

    @Option(help: "Photos are scaled so their longer side has this many pixels.")
    var side = 256

    @Option(
        name: [.customLong("temperature")],
        help: "Annealed-mean temperature: one for every model, or one per --model in order (default: each model's).")
    var temperatures: [Double] = []

    @Option(
        name: .customLong("hints"),
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Give each model N colour hints per photo, sampled from the original; several N print a curve.",
            discussion: """
                e.g. --hints 0 1 2 5 10 20 50 (or 0,1,2,5,10,20,50): one row per model and N. Each hint is the \
                mean true colour of a 1–9 px patch at a random point; a photo's points come from a seed fixed \
                by its path, and smaller sets are part of larger ones. Models without hints get one row.
                """, valueName: "N"))
    var hintCounts: [String] = []

    @Option(help: "Folder for the contact sheets.")
    var sheets = "evaluation"

    @Option(help: "File format of the contact sheets: png or jpg.")
    var sheetFormat = "png"

    @Option(
        help: ArgumentHelp(
            "The greys to colorize: none (each photo's own lightness) or old (an old photograph of it).",
            discussion: """
                old: film response, fading, blur, grain and JPEG as `pretrain --degrade old` draws them, seeded \
                by the file name, so every run and model sees the same greys; scores compare with the true colours.
                """))
    var degrade = GreyKind.none

    @Option(
        help: ArgumentHelp(
            "Score colour references: split, crop or unrelated (each model then gets a row without and one with).",
            discussion: """
                split: each photo's two halves (across its longer side, no shared pixels), the colour one the \
                reference for the grey other, both ways; crop: a smaller crop of the photo with a larger crop at \
                another scale as reference, overlapping at most 25% of the smaller; unrelated: the next photo of \
                the set as reference (a wrong reference must not force wrong colours). Seeded by the file names, \
                so every run sees the same pairs; scores compare each target with its own true colours.
                """, valueName: "protocol"))
    var referenceProtocol: ReferenceProtocol?

    @Flag(help: "Skip the feature-statistics distance (faster).")
    var noFeatures = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @OptionGroup(title: "Colour decoding") var chroma: DecodingOptions

    @OptionGroup(title: "Reference matching (with --reference-protocol)") var matching: MatchingOptions

    func validate() throws {
        guard ["png", "jpg"].contains(sheetFormat) else { throw ValidationError("--sheet-format must be png or jpg") }
        guard temperatures.count <= 1 || temperatures.count == max(models.count, 1) else {
            throw ValidationError("give one --temperature, or one per --model (\(models.count))")
        }
        try validateTemperatures(temperatures)
        _ = try parsedHintCounts()
    }

    /// --hints as numbers (space- or comma-separated), each 0…1000.
    func parsedHintCounts() throws -> [Int] {
        try counts.map { text in
            guard let n = Int(text), (0...1000).contains(n) else {
                throw ValidationError("--hints takes whole numbers from 0 to 1000 (got \(text))")
            }
            return n
        }
    }

    var counts: [String] { hintCounts.flatMap { $0.split(separator: ",").map(String.init) } }

    func run() throws {
        let photos = try PhotoFolder(data)
        let paths = models.isEmpty ? [nil] : models.map { Optional($0) }
        let hintCounts = try parsedHintCounts()
        let candidates = try paths.enumerated().flatMap { index, path in
            let temperature = temperatures.isEmpty ? nil : temperatures[temperatures.count == 1 ? 0 : index]
            let file = path.map { ($0 as NSString).lastPathComponent } ?? "shipped model"
            let colorizer = try DefaultModel.colorizer(
                path, decoding: chroma.decoding, matching: matching.settings)
            let name = file + (temperature.map { " T \($0)" } ?? "")
            // A model without hints gets one row, without them (the baseline the curve starts from).
            let counts = hintCounts.isEmpty || !colorizer.acceptsHints ? [nil] : hintCounts.map { Optional($0) }
            // With a reference protocol, a model that can follow references gets a second row with them.
            let referenceRows = referenceProtocol != nil && colorizer.acceptsReferences ? [false, true] : [false]
            return counts.flatMap { count in
                referenceRows.map { usesReference in
                    Evaluation.Candidate(
                        name: name + (count.map { ", \($0) hint" + ($0 == 1 ? "" : "s") } ?? "")
                            + (usesReference ? ", reference" : ""), colorizer: colorizer,
                        temperature: temperature, hintCount: count ?? 0, usesReference: usesReference)
                }
            }
        }
        var embedding: FeatureEmbedding?
        if !noFeatures {
            do { embedding = try FeatureEmbedding() } catch {
                FileHandle.standardError.write(Data("note: no feature distance (\(error))\n".utf8))
            }
        }
        let evaluation = Evaluation(
            candidates: candidates, side: side, embedding: embedding,
            degradation: degrade == .old ? OldPhotoDegradation(cleanShare: 0) : nil)
        var evaluated: [Evaluation.PhotoEvaluation] = [], failed: [String] = []
        for (index, path) in photos.paths.enumerated() {
            do {
                let image = try ImageCodec.read(path: path)
                if let referenceProtocol {
                    let next = photos.paths[(index + 1) % photos.paths.count]
                    let other = referenceProtocol == .unrelated ? try ImageCodec.read(path: next) : nil
                    evaluated += try evaluation.evaluate(
                        image, path: path, referenceProtocol: referenceProtocol, other: other)
                } else {
                    evaluated.append(try evaluation.evaluate(image, path: path))
                }
                if !json { print("[\(index + 1)/\(photos.paths.count)] \(path)") }
            } catch {
                failed.append("\(error)")
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        guard !evaluated.isEmpty else { throw CLIError("\(data): no photo could be evaluated") }
        let summary = evaluation.summarize(evaluated, failed: failed)
        try FileManager.default.createDirectory(atPath: sheets, withIntermediateDirectories: true)
        let ranked = evaluated.sorted { $0.result.candidates[0].rebalancedAUC > $1.result.candidates[0].rebalancedAUC }
            .map(\.row)
        let third = max(1, (ranked.count + 2) / 3)
        let terciles = [
            ("good", ranked.prefix(third)), ("soso", ranked.dropFirst(third).prefix(third)),
            ("ugly", ranked.dropFirst(2 * third)),
        ]
        for (name, slice) in terciles where !slice.isEmpty {
            try ImageCodec.write(
                SampleSheet.compose(Array(slice)),
                to: (sheets as NSString).appendingPathComponent("\(name).\(sheetFormat)"))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(Self.table(summary))
            print("contact sheets: \(sheets)/good, soso, ugly.\(sheetFormat) (terciles of rebalanced AuC)")
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }

    static func table(_ s: Evaluation.Summary) -> String {
        let nameWidth = max(15, (s.candidates.map(\.name) + ["grey baseline"]).map(\.count).max() ?? 0)
        func row(_ m: Evaluation.MethodSummary) -> String {
            let metrics = String(
                format: "%8.2f dB %9.4f %11.4f %12.2f%% %14.1f %6.1f", m.scores.psnr, m.scores.auc,
                m.scores.rebalancedAUC, 100 * m.scores.falseColour, m.scores.colourfulness, m.colourfulnessGap)
            return m.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + metrics
                + (m.featureDistance.map { String(format: " %8.1f", $0) } ?? "")
        }
        let header =
            "method".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            + "      PSNR       AuC  rebal. AuC  false colour  colourfulness    ΔCF"
            + (s.featureNetwork == nil ? "" : "       FD")
        return
            ([
                "\(s.photos) photos" + (s.failed.isEmpty ? "" : ", \(s.failed.count) failed")
                    + (s.featureNetwork.map { "; FD: Fréchet distance of \($0) to the originals' (not Inception-FID)" }
                        ?? ""),
                header,
            ] + s.candidates.map(row) + [
                row(s.grey),
                "originals".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                    + String(repeating: " ", count: 46) + String(format: " %14.1f", s.originalColourfulness),
            ]).joined(separator: "\n")
    }
}
