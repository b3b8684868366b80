import Foundation
import Testing

@testable import Imaging

/// Whole-file writes: folder parts of paths, and renames that never replace a file that appeared.
@Suite struct AtomicFileTests {
    @Test func parentFolderByStringRules() {
        #expect(AtomicFile.parentFolder(of: "o") == "")
        #expect(AtomicFile.parentFolder(of: "a/b") == "a")
        #expect(AtomicFile.parentFolder(of: "a//b/") == "a")
        #expect(AtomicFile.parentFolder(of: "/x") == "/")
        #expect(AtomicFile.parentFolder(of: "/") == "/")
        #expect(AtomicFile.parentFolder(of: "./o") == ".")
    }

    /// A one-character relative folder (which `NSString.deletingLastPathComponent` traps on) is made.
    @Test func makesOneCharacterRelativeFolders() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(base)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        try AtomicFile.makeFolder("o")
        try AtomicFile.makeFolder("p/q")
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: base + "/o", isDirectory: &isFolder) && isFolder.boolValue)
        #expect(FileManager.default.fileExists(atPath: base + "/p/q", isDirectory: &isFolder) && isFolder.boolValue)
    }

    /// Without `replacing`, a file that exists at the final name is kept, the write fails naming it,
    /// and no temporary file is left behind.
    @Test func writeWithoutReplacingKeepsTheExistingFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/mine.png"
        try Data("the user's own file".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ImageError.writeFailed(path: path, reason: "already exists")) {
            try AtomicFile.write(Data([1, 2, 3]), to: path, replacing: false)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the user's own file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["mine.png"])
        try AtomicFile.write(Data([1, 2, 3]), to: folder + "/new.png", replacing: false)
        try AtomicFile.write(Data([4]), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4]))
    }
}
