import Foundation
import Imaging
import Testing

/// An output whose name or path is longer than the file system allows is refused up
/// front, before any colorizing, with a message that names the input and the output (it used to fail
/// at the write, named after the temporary file only).
@Suite struct OutputNameLengthTests {
    typealias CLI = ColorizeCommandTests

    @Test func overLongOutputNamesAreReportedAgainstInputAndOutput() throws {
        let root = CLI.temporaryDirectory()
        // 250 bytes: a legal input name whose NAME_color.png is 256, one more than NAME_MAX.
        let name = String(repeating: "a", count: 246)
        let input = root + "/\(name).png"
        try ImageCodec.write(CLI.oddImage(width: 16, height: 16), to: input)
        let result = try CLI.run([input, "--model", CLI.model])
        #expect(result.status == 1)
        let output = root + "/\(name)_color.png"
        #expect(
            result.errors.contains(
                "\(input): cannot write \(output): output name is longer than the file system allows (256 bytes, at most 255)"
            ), "\(result.errors)")
        #expect(result.output.contains("0 colorized, 0 skipped, 1 failed"), "\(result.output)")

        // A path beyond PATH_MAX (4096 with its NUL) under -o: refused the same way, nothing made.
        let deep = root + "/o" + String(repeating: "/" + String(repeating: "d", count: 200), count: 21)
        let short = root + "/x.png"
        try ImageCodec.write(CLI.oddImage(width: 16, height: 16), to: short)
        let tooDeep = try CLI.run([short, "-o", deep, "--model", CLI.model])
        #expect(tooDeep.status == 1)
        #expect(
            tooDeep.errors.contains(
                "\(short): cannot write \(deep)/x_color.png: output path is longer than the file system allows"),
            "\(tooDeep.errors)")
        #expect(!FileManager.default.fileExists(atPath: root + "/o"))
    }
}
