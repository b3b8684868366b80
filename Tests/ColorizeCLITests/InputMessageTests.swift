import Foundation
import Imaging
import Testing

/// Inputs and outputs that cannot be used are reported for what they are, before any
/// colorizing, and temporary files of killed runs are cleared.
@Suite struct InputMessageTests {
    typealias CLI = ColorizeCommandTests

    @Test func unusableInputsSayWhatTheyAre() throws {
        let root = CLI.temporaryDirectory()
        #expect(mkfifo(root + "/pipe.png", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: root + "/loop.png", withDestinationPath: root + "/loop.png")
        let outputs = try OutputSafetyTests.images(["outputs/a_color.png", "outputs/b_color.jpg"], in: root)
        let result = try CLI.run([
            root + "/pipe.png", root + "/loop.png", "/dev/null", root + "/outputs", "-o", root + "/out",
            "--model", CLI.model,
        ])
        #expect(result.status == 1)
        for message in [
            "\(root)/pipe.png: cannot read: not a regular file (a FIFO)",
            "\(root)/loop.png: too many levels of symbolic links (a link loop?)",
            "/dev/null: cannot read: not a regular file (a device)",
            "\(root)/outputs: folder holds only earlier outputs (2 *_color.* files, skipped)",
        ] {
            #expect(result.output.contains(message), "\(message) missing from \(result.output)")
        }
        #expect(outputs.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }

    @Test func unusableOutputFoldersAreReportedBeforeColorizing() throws {
        let root = CLI.temporaryDirectory()
        let inputs = try OutputSafetyTests.images(["a.png", "b.png"], in: root)
        let plain = root + "/plain.txt"
        try Data("notes".utf8).write(to: URL(fileURLWithPath: plain))
        let intoFile = try CLI.run(inputs + ["-o", plain, "--model", CLI.model])
        #expect(intoFile.status == 1)
        #expect(
            intoFile.output.contains(
                "\(inputs[0]): cannot write \(plain)/a_color.png: \(plain) is a file, not a folder"))
        #expect(!intoFile.output.contains("NSCocoaErrorDomain"))
        let below = try CLI.run([inputs[0], "-o", plain + "/sub/x.png", "--model", CLI.model])
        #expect(below.output.contains("\(plain) is a file, not a folder"), "\(below.output)")
        #expect(try String(contentsOfFile: plain, encoding: .utf8) == "notes")
    }

    /// A SIGKILL mid-write leaves `.NAME.PID.tmp`; the next run into that folder removes it (its process
    /// is gone) but leaves a live process's temporary file alone.
    @Test func staleTemporaryFilesOfKilledRunsAreRemoved() throws {
        let root = CLI.temporaryDirectory()
        let input = try OutputSafetyTests.images(["a.png"], in: root)[0]
        let stale = root + "/.a_color.png.2147483646.tmp"
        let live = root + "/.a_color.png.\(getpid()).tmp"
        for path in [stale, live] { try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path)) }
        let result = try CLI.run([input, "--model", CLI.model])
        #expect(result.status == 0, "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: root + "/a_color.png"))
    }

    /// A file name with a newline and an escape sequence is printed escaped, never raw.
    @Test func controlCharactersInNamesArePrintedEscaped() throws {
        let root = CLI.temporaryDirectory()
        let input = try OutputSafetyTests.images(["evil\n\u{1B}[2Jname.png"], in: root)[0]
        let result = try CLI.run([input, "--model", CLI.model])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("evil\\n\\x1B[2Jname.png → "), "\(result.output)")
        #expect(!result.output.contains("\u{1B}") && !result.errors.contains("\u{1B}"))
        #expect(FileManager.default.fileExists(atPath: root + "/evil\n\u{1B}[2Jname_color.png"))
    }
}
