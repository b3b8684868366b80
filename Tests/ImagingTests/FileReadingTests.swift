import Foundation
import Testing

@testable import Imaging

/// Only regular files are read, never more bytes than an image within the pixel limit
/// can take, and each refusal says what the file is instead of "permission denied or I/O error".
@Suite struct FileReadingTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-read-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func message(_ path: String, pixelLimit: Int = ImageCodec.defaultPixelLimit) -> String {
        do {
            _ = try ImageCodec.read(path: path, pixelLimit: pixelLimit)
            return "read"
        } catch {
            return error.description
        }
    }

    @Test func specialFilesAreNotRegularFiles() throws {
        let folder = try Self.folder()
        let fifo = folder + "/pipe.png"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Opening a FIFO with no writer would block for ever without O_NONBLOCK; this must return.
        #expect(Self.message(fifo) == "\(fifo): cannot read: not a regular file (a FIFO)")
        #expect(Self.message("/dev/null") == "/dev/null: cannot read: not a regular file (a device)")
        #expect(Self.message(folder) == "\(folder): cannot read: is a directory")
        #expect(Self.message(folder + "/missing.png") == "\(folder)/missing.png: no such file")
        let loop = folder + "/loop.png"
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        #expect(Self.message(loop).contains("too many levels of symbolic links"))
    }

    /// A sparse 2.5 GiB file holding a small PNG is refused from its size, without reading it (the
    /// test would otherwise allocate 2.5 GiB); within the cap the same PNG reads normally.
    @Test func hugeSparseFileIsRefusedFromItsSize() throws {
        let folder = try Self.folder()
        let path = folder + "/sparse.png"
        let png = try ImageCodec.encodePNG(
            Image(samples: [Float](repeating: 0.5, count: 64), width: 8, height: 8, channels: 1))
        try Data(png).write(to: URL(fileURLWithPath: path))
        #expect(Self.message(path) == "read")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 5 << 29)
        try handle.close()
        #expect(
            Self.message(path, pixelLimit: 100_000_000)
                == "\(path): cannot read: file is 2560 MB, more than any image within the pixel limit can take (778 MB)"
        )
        #expect(ImageCodec.maximumFileBytes(pixelLimit: Int.max) == Int.max)
        #expect(ImageCodec.maximumFileBytes(pixelLimit: Int.max / 8) == Int.max)
    }
}
