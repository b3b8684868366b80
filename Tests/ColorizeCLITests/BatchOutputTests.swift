import Foundation
import Imaging
import Testing

/// Where `colorize images` writes (mirrored folders), in which format, and the options that
/// tune it; all checked on the built executable.
@Suite struct BatchOutputTests {
    typealias CLI = ColorizeCommandTests

    /// The shipped model at its smallest working size: these tests check files, not colours.
    static let model = ["--size", "64", "--model", CLI.model]

    static func isPNG(_ path: String) throws -> Bool {
        try ImageFormat.detect(Array(OutputSafetyTests.bytes(path).prefix(8))) == .png
    }

    static func isJPEG(_ path: String) throws -> Bool {
        try ImageFormat.detect(Array(OutputSafetyTests.bytes(path).prefix(8))) == .jpeg
    }

    /// Same-named files in two sub-folders land in the mirrored sub-folders of -o, not on one name;
    /// a file named directly goes to the top of -o.
    /// A report that cannot be written (a full disk) does not stop the colorizing, but the run
    /// says so at the end and exits 1 instead of losing every line in silence.
    @Test func aReportThatCannotBeWrittenIsAnErrorAtTheEnd() throws {
        let directory = CLI.temporaryDirectory()
        let input = directory + "/a.png"
        try ImageCodec.write(CLI.oddImage(width: 24, height: 20), to: input)
        let result = try CLI.run([input, "-o", directory + "/out", "--report", "/dev/full"])
        #expect(result.status == 1, "\(result.errors)")
        #expect(result.errors.contains("/dev/full: report lines lost"), "\(result.errors)")
        #expect(FileManager.default.fileExists(atPath: directory + "/out/a_color.png"))
    }

    @Test func recursiveOutputMirrorsTheFolderTree() throws {
        let root = CLI.temporaryDirectory()
        _ = try OutputSafetyTests.images(["F/a/x.png", "F/b/x.png", "G/y.png"], in: root)
        let out = root + "/OUT"
        let result = try CLI.run([root + "/F", root + "/G/y.png", "--recursive", "-o", out] + Self.model)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("3 colorized, 0 skipped, 0 failed"), "\(result.output)")
        for path in [out + "/a/x_color.png", out + "/b/x_color.png", out + "/y_color.png"] {
            let image = try ImageCodec.readPixels(path: path)
            #expect(image.width == 24 && image.height == 20, "\(path)")
        }
        #expect(!OutputSafetyTests.exists(out + "/x_color.png"))
        #expect(result.output.contains("\(root)/F/a/x.png → \(out)/a/x_color.png (24×20, "), "\(result.output)")
    }

    /// JPEG in gives `_color.jpg` (a JPEG), PNG in gives `.png`, by content rather than by name;
    /// x.jpg and x.png therefore no longer share an output; --format overrides; a single input's -o file
    /// name decides by its extension.
    @Test func outputFormatFollowsTheInput() throws {
        let root = CLI.temporaryDirectory()
        let inputs = try OutputSafetyTests.images(["in/photo.jpg", "in/scan.png", "in/photo.png"], in: root)
        let misnamed = root + "/in/misnamed.jpg"  // PNG bytes behind a .jpg name
        try Data(ImageCodec.encodePNG(CLI.oddImage(width: 24, height: 20))).write(to: URL(fileURLWithPath: misnamed))
        let byInput = try CLI.run([root + "/in"] + Self.model)
        #expect(byInput.status == 0, "\(byInput.errors)")
        #expect(byInput.output.contains("4 colorized, 0 skipped, 0 failed"), "\(byInput.output)")
        #expect(try Self.isJPEG(root + "/in/photo_color.jpg"))
        #expect(try ImageCodec.readPixels(path: root + "/in/photo_color.jpg").width == 24)
        #expect(try Self.isPNG(root + "/in/scan_color.png"))
        #expect(try Self.isPNG(root + "/in/photo_color.png"))
        #expect(try Self.isPNG(root + "/in/misnamed_color.png"))

        let forced = try CLI.run([inputs[0], "--format", "png", "-o", root + "/png"] + Self.model)
        #expect(forced.status == 0, "\(forced.errors)")
        #expect(try Self.isPNG(root + "/png/photo_color.png"))

        let toJPEG = try CLI.run([inputs[1], "-o", root + "/single.jpg"] + Self.model)
        let toPNG = try CLI.run([inputs[0], "-o", root + "/single.png"] + Self.model)
        #expect(toJPEG.status == 0 && toPNG.status == 0, "\(toJPEG.errors) \(toPNG.errors)")
        #expect(try Self.isJPEG(root + "/single.jpg"))
        #expect(try Self.isPNG(root + "/single.png"))

        // Encoder settings reach the file: quality 5 is much smaller than the default 95.
        let small = try CLI.run([inputs[1], "-o", root + "/q5.jpg", "--jpeg-quality", "5"] + Self.model)
        #expect(small.status == 0, "\(small.errors)")
        #expect(
            try OutputSafetyTests.bytes(root + "/q5.jpg").count < OutputSafetyTests.bytes(root + "/single.jpg").count)
    }

    /// Contradictory or out-of-range settings are usage errors (exit 2) before anything is read.
    @Test func badSettingsAreUsageErrors() throws {
        let root = CLI.temporaryDirectory()
        let input = try OutputSafetyTests.images(["a.png"], in: root)[0]
        for arguments in [
            ["--skip-existing", "--overwrite"], ["--jpeg-quality", "0"], ["--jpeg-quality", "101"],
            ["--png-compression", "10"], ["--png-compression", "-1"], ["--max-pixels", "0"], ["--batch", "0"],
            ["--format", "gif"], ["--format", "png", "-o", root + "/x.jpg"],
        ] {
            let result = try CLI.run([input] + arguments + Self.model)
            #expect(result.status == 2, "\(arguments): \(result.errors)")
        }
        #expect(!OutputSafetyTests.exists(root + "/a_color.png"))
        #expect(!OutputSafetyTests.exists(root + "/x.jpg"))
    }

    /// Every option of the main command is documented in its help.
    @Test func helpDocumentsEveryOption() throws {
        let help = try CLI.run(["help", "images"])
        #expect(help.status == 0, "\(help.errors)")
        for option in [
            "--output", "--format", "--jpeg-quality", "--png-compression", "--model", "--temperature", "--size",
            "--batch", "--max-pixels", "--recursive", "--keep-color-input", "--overwrite", "--skip-existing",
            "--report",
        ] {
            #expect(help.output.contains(option), "\(option) missing from the help")
        }
        let words = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("9 is smallest and slowest"), "\(words)")
    }

    /// An image above --max-pixels is refused with a message naming the file, its size and the option;
    /// the others are colorized.
    @Test func imagesAboveMaxPixelsAreRefused() throws {
        let root = CLI.temporaryDirectory()
        try ImageCodec.write(CLI.oddImage(width: 40, height: 30), to: root + "/big.png")
        try ImageCodec.write(CLI.oddImage(width: 20, height: 10), to: root + "/small.png")
        let result = try CLI.run([root + "/big.png", root + "/small.png", "--max-pixels", "1000"] + Self.model)
        #expect(result.status == 1)
        #expect(result.errors.contains("\(root)/big.png: 40×30 is 1200 pixels"), "\(result.errors)")
        #expect(result.errors.contains("raise --max-pixels"), "\(result.errors)")
        #expect(result.output.contains("1 colorized, 0 skipped, 1 failed"), "\(result.output)")
        #expect(OutputSafetyTests.exists(root + "/small_color.png"))
        #expect(!OutputSafetyTests.exists(root + "/big_color.png"))
    }

    /// --report: one JSON object per input, failures (unreadable, refused, missing) named with the reason.
    @Test func reportHasOneJSONLinePerInput() throws {
        let root = CLI.temporaryDirectory()
        let good = try OutputSafetyTests.images(["good.png", "photo.jpg", "kept.png"], in: root)
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).write(
            to: URL(fileURLWithPath: root + "/corrupt.png"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: root + "/kept_color.png"))
        let report = root + "/report.jsonl"
        let result = try CLI.run(
            good + [root + "/corrupt.png", root + "/missing.png", "--report", report] + Self.model)
        #expect(result.status == 1)
        #expect(result.output.contains("2 colorized, 0 skipped, 3 failed"), "\(result.output)")
        let lines = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5)
        var byInput: [String: [String: Any]] = [:]
        for line in lines {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(
                Set(object.keys) == [
                    "input", "output", "status", "width", "height", "seconds", "error", "rss_mb", "peak_rss_mb",
                ],
                "\(line)")
            #expect((object["rss_mb"] as? Double ?? 0) > 1, "\(line)")
            #expect((object["peak_rss_mb"] as? Double ?? 0) >= (object["rss_mb"] as? Double ?? 0), "\(line)")
            byInput[try #require(object["input"] as? String)] = object
        }
        for input in good.prefix(2) {
            let line = try #require(byInput[input])
            #expect(line["status"] as? String == "colorized")
            #expect(line["width"] as? Int == 24 && line["height"] as? Int == 20)
            #expect(line["error"] is NSNull)
            #expect((line["seconds"] as? Double ?? -1) >= 0)
        }
        #expect(byInput[good[0]]?["output"] as? String == root + "/good_color.png")
        #expect(byInput[good[1]]?["output"] as? String == root + "/photo_color.jpg")
        let refused = try #require(byInput[good[2]])
        #expect(refused["status"] as? String == "failed")
        #expect((refused["error"] as? String)?.contains("kept_color.png already exists") == true)
        let corrupt = try #require(byInput[root + "/corrupt.png"])
        #expect(corrupt["status"] as? String == "failed")
        #expect((corrupt["error"] as? String)?.contains("\(root)/corrupt.png: corrupt or truncated image") == true)
        #expect(corrupt["output"] as? String == root + "/corrupt_color.png")
        let missing = try #require(byInput[root + "/missing.png"])
        #expect(missing["status"] as? String == "failed" && missing["output"] is NSNull)
        #expect((missing["error"] as? String)?.contains("no such file or folder") == true)
    }
}
