import Foundation
import Imaging
import Testing

/// Regression tests for data loss by the main command: no input, existing file or other input's result is replaced.
@Suite struct OutputSafetyTests {
    typealias CLI = ColorizeCommandTests

    /// Folders (created) and small images written into `root`, returning their paths.
    static func images(_ names: [String], in root: String) throws -> [String] {
        try names.map { name in
            let path = root + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try ImageCodec.write(CLI.oddImage(width: 24, height: 20), to: path)
            return path
        }
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// `sheet` and `export` write one named file: never an input (even with --overwrite), and an
    /// existing file only with --overwrite.
    @Test func sheetAndExportNeverReplaceAnInputAndAskBeforeReplacingAFile() throws {
        let root = CLI.temporaryDirectory()
        let input = try Self.images(["photo.png"], in: root)[0]
        let original = try Self.bytes(input)
        let ontoInput = try CLI.run(["sheet", input, "-o", input, "--overwrite"])
        #expect(ontoInput.status == 1 && ontoInput.errors.contains("is the input"), "\(ontoInput.errors)")
        #expect(try Self.bytes(input) == original)
        let existing = root + "/sheet.png"
        try Data("mine".utf8).write(to: URL(fileURLWithPath: existing))
        let kept = try CLI.run(["sheet", input, "-o", existing])
        #expect(kept.status == 1 && kept.errors.contains("already exists (use --overwrite"), "\(kept.errors)")
        #expect(try Self.bytes(existing) == Data("mine".utf8))
        #expect(try CLI.run(["sheet", input, "-o", existing, "--overwrite"]).status == 0)
        let model = root + "/model.safetensors"
        try Data("mine".utf8).write(to: URL(fileURLWithPath: model + ".copy"))
        let export = try CLI.run(["export", CLI.model, "-o", model + ".copy"])
        #expect(export.status == 1 && export.errors.contains("already exists"), "\(export.errors)")
        let ontoModel = try CLI.run(["export", CLI.model, "-o", CLI.model, "--overwrite"])
        #expect(ontoModel.status == 1 && ontoModel.errors.contains("is the input"), "\(ontoModel.errors)")
    }

    /// Defect 1: `-o C//x.png` and `-o Clink/x.png` are the input itself; an output that is another input is
    /// refused even with --overwrite, and the rest of the batch still runs.
    @Test func anOutputReachingAnInputThroughAnAliasIsRefused() throws {
        let root = CLI.temporaryDirectory()
        let input = try Self.images(["C/x.png"], in: root)[0]
        try FileManager.default.createSymbolicLink(atPath: root + "/Clink", withDestinationPath: root + "/C")
        let original = try Self.bytes(input)
        for alias in [root + "/C//x.png", root + "/Clink/x.png", root + "/C/./x.png"] {
            let result = try CLI.run([input, "-o", alias, "--overwrite", "--model", CLI.model])
            #expect(result.status == 1, "\(alias): \(result.errors)")
            #expect(result.errors.contains("\(input): output \(alias) is the input \(input)"), "\(result.errors)")
            #expect(result.output.contains("0 colorized, 0 skipped, 1 failed"))
            #expect(try Self.bytes(input) == original, "\(alias) replaced the input")
        }

        // D/x.png would write C/x_color.png, which is the second input (named through the symlink).
        let other = try Self.images(["D/x.png"], in: root)[0]
        let userFile = try Self.images(["C/x_color.png"], in: root)[0]
        let userBytes = try Self.bytes(userFile)
        let result = try CLI.run([
            other, root + "/Clink/x_color.png", "-o", root + "/C", "--overwrite", "--model", CLI.model,
        ])
        #expect(result.status == 1, "\(result.errors)")
        #expect(result.errors.contains("\(other): output \(root)/C/x_color.png is the input \(root)/Clink/x_color.png"))
        #expect(result.output.contains("1 colorized, 0 skipped, 1 failed"))
        #expect(try Self.bytes(userFile) == userBytes)
        #expect(Self.exists(root + "/C/x_color_color.png"))
    }

    /// Defect 2: a user's own `x_color.png` survives unless --overwrite, and an input named like an output is
    /// never replaced before it is read.
    @Test func anExistingFileIsReplacedOnlyWithOverwrite() throws {
        let root = CLI.temporaryDirectory()
        let input = try Self.images(["A/x.png"], in: root)[0]
        let mine = root + "/A/x_color.png"
        let myBytes = Data("my own notes, not an image".utf8)
        try myBytes.write(to: URL(fileURLWithPath: mine))

        let kept = try CLI.run([input, "--model", CLI.model])
        #expect(kept.status == 1)
        #expect(kept.errors.contains("\(input): \(mine) already exists (use --overwrite to replace it)"))
        #expect(kept.output.contains("0 colorized, 0 skipped, 1 failed"))
        #expect(try Self.bytes(mine) == myBytes)

        let replaced = try CLI.run([input, "--overwrite", "--model", CLI.model])
        #expect(replaced.status == 0, "\(replaced.errors)")
        #expect(replaced.output.contains("1 colorized, 0 skipped, 0 failed"))
        let colorized = try ImageCodec.read(path: mine)
        #expect(colorized.width == 24 && colorized.height == 20)
    }

    @Test func anInputNamedLikeAnOutputIsNeverReplaced() throws {
        let root = CLI.temporaryDirectory()
        let paths = try Self.images(["A/x.png", "A/x_color.png"], in: root)
        let secondBytes = try Self.bytes(paths[1])
        for extra in [[], ["--overwrite"]] {
            let result = try CLI.run(paths + extra + ["--model", CLI.model])
            #expect(result.status == 1, "\(extra): \(result.errors)")
            #expect(result.errors.contains("\(paths[0]): output \(paths[1]) is the input \(paths[1])"))
            #expect(try Self.bytes(paths[1]) == secondBytes, "\(extra) replaced the second input")
            // The second input itself is still colorized (the first time; --overwrite replaces that result).
            #expect(result.output.contains("1 colorized, 0 skipped, 1 failed"), "\(extra): \(result.output)")
            #expect(Self.exists(root + "/A/x_color_color.png"))
        }
        // --skip-existing skips the second input (its output exists now) but still refuses the first.
        let resumed = try CLI.run(paths + ["--skip-existing", "--model", CLI.model])
        #expect(resumed.status == 1, "\(resumed.errors)")
        #expect(resumed.errors.contains("\(paths[0]): output \(paths[1]) is the input \(paths[1])"))
        #expect(resumed.output.contains("0 colorized, 1 skipped, 1 failed"), "\(resumed.output)")
        #expect(try Self.bytes(paths[1]) == secondBytes)
    }

    /// Defect 3: inputs that would share an output are all refused before anything is colorized; the rest run.
    /// (x.png and x.jpg share an output when one format is asked for; by default each keeps its own.)
    @Test func collidingInputsAreRefusedUpFront() throws {
        let root = CLI.temporaryDirectory()
        let folder = try Self.images(["F/x.png", "F/x.jpg", "F/y.png"], in: root)
        let inFolder = try CLI.run([root + "/F", "--format", "png", "--model", CLI.model])
        #expect(inFolder.status == 1)
        let shared = root + "/F/x_color.png"
        #expect(inFolder.errors.contains("error: \(folder[1]): output \(shared) would also be written by \(folder[0])"))
        #expect(inFolder.errors.contains("error: \(folder[0]): output \(shared) would also be written by \(folder[1])"))
        #expect(!Self.exists(shared))
        #expect(Self.exists(root + "/F/y_color.png"))
        #expect(inFolder.output.contains("[1/1] \(folder[2])"), "only y.png is colorized: \(inFolder.output)")
        #expect(inFolder.output.contains("1 colorized, 0 skipped, 2 failed"))

        let named = try Self.images(["a/x.png", "b/x.png", "c/z.png"], in: root)
        let out = root + "/OUT"
        let together = try CLI.run(named + ["-o", out, "--model", CLI.model])
        #expect(together.status == 1)
        #expect(together.errors.contains("\(named[0]): output \(out)/x_color.png would also be written by \(named[1])"))
        #expect(together.errors.contains("\(named[1]): output \(out)/x_color.png would also be written by \(named[0])"))
        #expect(!Self.exists(out + "/x_color.png"))
        #expect(Self.exists(out + "/z_color.png"))
        #expect(together.output.contains("1 colorized, 0 skipped, 2 failed"))
    }

    /// The same file named twice (here also through its folder) is one job, not a collision with itself.
    @Test func theSameInputTwiceIsColorizedOnce() throws {
        let root = CLI.temporaryDirectory()
        let input = try Self.images(["A/x.png"], in: root)[0]
        let result = try CLI.run([input, root + "/A", "--model", CLI.model])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("1 colorized, 0 skipped, 0 failed"))
        #expect(Self.exists(root + "/A/x_color.png"))
    }
}
