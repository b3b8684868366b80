import ArgumentParser
import Colorization
import Foundation
import Imaging

/// `colorize evaluate-video`: how much the colour of videos flickers, and (against the original
/// colour video) how good each frame's colour is, so temporal stability is measured, not claimed.
struct EvaluateVideoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-video",
        abstract: "Measure colour flicker (and per-frame quality against a reference) of videos.",
        discussion: """
            Flicker is the mean |Δa| + |Δb| (CIELAB) between consecutive frames after motion compensation: \
            optical flow on the lightness (of --reference when given, else of the first video; the camera's \
            affine motion where it fits, local flow elsewhere) warps the previous frame onto the current one, \
            and only pixels whose lightness then matches within 5 L units, away from the border, are measured \
            (the "matched" column); pairs across a scene cut are skipped. It is measured on a/b smoothed at the \
            scale of colour regions (--smoothing: a box of that radius applied three times; at 2 about a \
            Gaussian of σ 2.4 px at --side 256), since a colorizer's flicker is regions changing colour, \
            while the differences of fine chroma texture are dominated by interpolation and compression noise \
            that every video shares; "fine" is the same without smoothing and "plain" without motion \
            compensation. With --reference (the original colour video; same frames), each video's frames are \
            also scored against it as `evaluate` scores photos: PSNR, ab-error AuC and its class-rebalanced \
            variant (the model's colour prior), colourfulness. Frames are scaled so the longer side is --side \
            pixels. Videos are read in step, to the shortest.
            """)

    @Argument(help: "Colour videos to measure (e.g. colorized at several --stability values).")
    var videos: [String]

    @Option(help: "The original colour video: its own flicker is a row, and frames are scored against it.")
    var reference: String?

    @Option(help: "Frames are scaled so their longer side has this many pixels.")
    var side = 256

    @Option(help: "Radius of the box filter (applied 3 times) smoothing a/b before flicker is measured; 0: none.")
    var smoothing = 2

    @Option(help: "Score every Nth frame against the reference (flicker always uses every frame).")
    var every = 1

    @Option(help: "Model whose colour prior weighs the rebalanced AuC (default: the shipped model).")
    var model: String?

    @Option(help: "The ffmpeg executable (ffprobe beside it); default: ffmpeg on the PATH.")
    var ffmpeg: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard !videos.isEmpty else { throw ValidationError("give at least one video (see --help)") }
        guard (16...4096).contains(side) else { throw ValidationError("--side must be from 16 to 4096 (got \(side))") }
        guard every >= 1 else { throw ValidationError("--every must be at least 1 (got \(every))") }
    }

    /// One row of the table.
    struct Row: Codable {
        var video: String
        var frames: Int
        var flicker: FlickerMeter.Result
        /// Flicker divided by the reference's.
        var relativeFlicker: Double?
        /// Mean per-frame scores against the reference (not for the reference itself).
        var scores: Evaluation.Scores?
    }

    func run() throws {
        let tools = try FFmpegTools.locate(ffmpeg: ffmpeg)
        let paths = (reference.map { [$0] } ?? []) + videos
        var readers: [FrameReader] = []
        defer { for reader in readers { reader.close() } }
        for path in paths {
            let info = try VideoInfo.probe(path, tools: tools)
            readers.append(try FrameReader(path: path, info: info, format: .rgb, tools: tools))
        }
        let evaluation = Evaluation(
            candidates: [Evaluation.Candidate(name: "model", colorizer: try DefaultModel.colorizer(model))], side: side)
        var meter = FlickerMeter(videos: paths.count, smoothing: smoothing)
        var scores = [[Evaluation.Scores]](repeating: [], count: paths.count)
        var frames = 0
        var size: (width: Int, height: Int)?
        frameLoop: while true {
            var rgb: [Raster] = []
            for reader in readers {
                guard let frame = try reader.next() else { break frameLoop }
                var scaled = evaluation.scaled(frame.image)
                if let size, scaled.width != size.width || scaled.height != size.height {
                    scaled = scaled.resized(width: size.width, height: size.height)
                }
                size = size ?? (scaled.width, scaled.height)
                rgb.append(scaled)
            }
            meter.add(rgb.map(ColorSpace.lab(fromRGB:)))
            if reference != nil && frames % every == 0 {
                for k in 1..<rgb.count { scores[k].append(evaluation.scores(rgb[k], against: rgb[0])) }
            }
            frames += 1
            if !json && frames % 100 == 0 { print("\(frames) frames…") }
        }
        let counts = readers.map(\.count)
        if Set(counts).count > 1 && !json {
            let lengths = counts.map(String.init).joined(separator: ", ")
            print("note: videos differ in length (\(lengths) frames read); compared \(frames)")
        }
        let results = meter.results
        let base = reference != nil ? results[0].flicker : nil
        let rows = paths.indices.map { k in
            Row(
                video: (k == 0 && reference != nil ? "reference: " : "") + paths[k], frames: frames,
                flicker: results[k], relativeFlicker: base.flatMap { $0 > 0 ? results[k].flicker / $0 : nil },
                scores: scores[k].isEmpty ? nil : Evaluation.mean(scores[k]))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            printTable(rows)
        }
    }

    func printTable(_ rows: [Row]) {
        let frames = rows.first?.frames ?? 0
        let size = rows.first.map { _ in "longer side \(side) px" } ?? ""
        print("\(frames) frames, \(size); flicker = mean |Δa|+|Δb| after motion compensation")
        var header = "| video | flicker | × reference | fine | plain | matched |"
        if reference != nil { header += " PSNR | AuC | rebalanced AuC | colourfulness |" }
        print(header)
        print(String(repeating: "| --- ", count: header.filter { $0 == "|" }.count - 1) + "|")
        for row in rows {
            var line =
                "| \(row.video) | " + String(format: "%.3f", row.flicker.flicker) + " | "
                + (row.relativeFlicker.map { String(format: "%.2f×", $0) } ?? "") + " | "
                + String(
                    format: "%.3f | %.3f | %.1f %% |", row.flicker.fineFlicker, row.flicker.uncompensated,
                    100 * row.flicker.matched)
            if reference != nil {
                if let s = row.scores {
                    line += String(
                        format: " %.2f dB | %.4f | %.4f | %.1f |", s.psnr, s.auc, s.rebalancedAUC, s.colourfulness)
                } else {
                    line += " | | | |"
                }
            }
            TerminalText.print(line)
        }
    }
}
