import ArgumentParser
import Colorization
import Foundation
import Imaging

/// `colorize-benchmark folder`: the batch job on many small photos. Makes N grey 640×480 JPEGs
/// from random 4:3 crops of the training photos, then times `colorize FOLDER -o OUT` (the
/// pipelined batch) against one `colorize` process per file and, with `--baseline`, against
/// another build's `colorize` on the same folder (e.g. the sequential loop it replaced). The
/// pipelined run writes a `--report`, whose per-file resident set shows whether memory stays flat.
/// Peak RSS is `wait4`'s, which includes this process's own peak (the photo generation); the
/// pipelined run's own peak is printed from its report's `peak_rss_mb`.
struct FolderBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folder",
        abstract: "Images/s of the batch pipeline on N generated 640×480 photos beside one process per file.")

    @Option(help: "Training photos to crop from.")
    var photos = "data/photos"

    @Option(help: "Number of photos to generate.")
    var count = 1000

    @Option(help: "Files for the one-process-per-file run (each process loads the model and picks kernels).")
    var singleFiles = 40

    @Option(help: "Another build's colorize executable to run on the same folder (the baseline).")
    var baseline: String?

    @Option(help: "Work folder (default: a temporary one, removed afterwards).")
    var folder: String?

    func run() throws {
        let work =
            folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("colorize-folder-\(getpid())").path
        defer { if folder == nil { try? FileManager.default.removeItem(atPath: work) } }
        let input = work + "/input"
        let made = try Self.makePhotos(from: photos, count: count, into: input)
        print("\(made) grey 640×480 JPEGs from \(photos) in \(input)")
        print("run                                       images   seconds  images/s   peak RSS")
        func line(_ label: String, _ images: Int, _ result: ChildProcess.Result) {
            print(
                label.padding(toLength: 40, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7d  %8.1f  %8.2f  %6.0f MiB", images, result.seconds,
                        Double(images) / result.seconds, result.peakRSSMiB))
        }
        let report = work + "/report.jsonl"
        let pipelined = try ChildProcess.run(
            ChildProcess.colorize, [input, "-o", work + "/pipelined", "--report", report])
        line("pipelined batch (colorize DIR -o OUT)", made, pipelined)
        let files = try FileManager.default.contentsOfDirectory(atPath: input).sorted().prefix(singleFiles)
        var single = ChildProcess.Result(output: "", peakRSSMiB: 0, seconds: 0)
        for file in files {
            let result = try ChildProcess.run(ChildProcess.colorize, [input + "/" + file, "-o", work + "/single"])
            single.seconds += result.seconds
            single.peakRSSMiB = max(single.peakRSSMiB, result.peakRSSMiB)
        }
        line("one process per file", files.count, single)
        if let baseline {
            line(
                "baseline (\(URL(fileURLWithPath: baseline).lastPathComponent) DIR -o OUT)", made,
                try ChildProcess.run(baseline, [input, "-o", work + "/baseline"]))
        }
        try Self.printMemoryTrend(report)
    }

    /// Resident set over the pipelined run, from the report's `rss_mb`: first, 25 %, 50 %, 75 %, last.
    static func printMemoryTrend(_ report: String) throws {
        let objects = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let rss = objects.compactMap { ($0["rss_mb"] as? NSNumber)?.doubleValue }
        guard rss.count > 1 else { return }
        let peaks = objects.compactMap { ($0["peak_rss_mb"] as? NSNumber)?.doubleValue }
        if let peak = peaks.max() { print(String(format: "pipelined run's own peak (report): %.0f MB", peak)) }
        let marks = [0, rss.count / 4, rss.count / 2, 3 * rss.count / 4, rss.count - 1]
        print(
            "resident set during the pipelined run (after file " + marks.map { "\($0 + 1)" }.joined(separator: ", ")
                + "): " + marks.map { String(format: "%.0f", rss[$0]) }.joined(separator: ", ") + " MB")
    }

    /// Writes `count` grey 640×480 JPEGs (quality 90), random 4:3 crops (half to all of the short
    /// side) of the photos under `source`, cycling through them; returns how many were made.
    static func makePhotos(from source: String, count: Int, into folder: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let paths = PhotoFolder.scan(source)
        guard !paths.isEmpty else { throw BenchmarkError("no photos under \(source) (scripts/install-photos.sh)") }
        var random = SystemRandomNumberGenerator()
        let perPhoto = (count + paths.count - 1) / paths.count
        var made = 0
        for path in paths where made < count {
            guard let photo = try? ImageCodec.read(path: path) else { continue }
            let grey = ColorSpace.lab(fromRGB: photo.color).channel(0)
            for _ in 0..<perPhoto where made < count {
                let height = Int(
                    Double(min(grey.height, grey.width * 3 / 4)) * Double.random(in: 0.5...1, using: &random))
                let width = height * 4 / 3
                guard width >= 8, height >= 6 else { break }
                let x = Int.random(in: 0...(grey.width - width), using: &random)
                let y = Int.random(in: 0...(grey.height - height), using: &random)
                let crop = grey.cropped(x: x, y: y, width: width, height: height).resized(width: 640, height: 480)
                let levels = crop.values.map { UInt8(min(max(ColorSpace.greyLevel(lightness: $0), 0), 1) * 255 + 0.5) }
                let encoded = try ImageCodec.encode(
                    PixelImage(width: 640, height: 480, channels: 1, bytes: levels), as: .jpeg,
                    options: ImageCodec.EncodingOptions(jpegQuality: 90))
                try Data(encoded).write(to: URL(fileURLWithPath: String(format: "%@/photo-%05d.jpg", folder, made)))
                made += 1
            }
        }
        return made
    }
}
