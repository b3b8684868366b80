import Foundation

/// The entries of a folder read with `opendir`/`readdir` on the file system's own bytes, so names
/// that are not valid UTF-8 are listed (as `FileSystemPath` strings) instead of being dropped or
/// mangled by `FileManager`.
public enum FolderListing {
    /// One name in a folder and whether it is a folder itself (a symbolic link is not, wherever it
    /// points, so a walk never follows links into loops).
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let isFolder: Bool
    }

    /// The entries of `folder` other than "." and "..", in the order the file system gives them.
    public static func entries(of folder: String) throws(ImageError) -> [Entry] {
        guard let stream = FileSystemPath.withRawPath(folder, { opendir($0) }) else {
            throw .unreadable(path: folder, reason: "cannot list the folder: \(ImageError.reason(errno: errno))")
        }
        defer { closedir(stream) }
        var entries: [Entry] = []
        while let entry = readdir(stream) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            let name = FileSystemPath.decoded(rawBytes: bytes)
            var isFolder = Int32(entry.pointee.d_type) == Int32(DT_DIR)
            if Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
                var info = stat()
                isFolder =
                    FileSystemPath.withRawPath(join(folder, name)) { lstat($0, &info) } == 0
                    && info.st_mode & S_IFMT == S_IFDIR
            }
            entries.append(Entry(name: name, isFolder: isFolder))
        }
        return entries
    }

    /// Paths relative to `folder` of its entries and, when `recursive`, of everything below its
    /// sub-folders (sub-folders that cannot be listed are left out, as `FileManager` did).
    public static func relativePaths(below folder: String, recursive: Bool) throws(ImageError) -> [String] {
        var found: [String] = []
        func walk(_ relative: String) {
            let entries = (try? Self.entries(of: relative.isEmpty ? folder : join(folder, relative))) ?? []
            for entry in entries {
                let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                found.append(path)
                if entry.isFolder { walk(path) }
            }
        }
        for entry in try entries(of: folder) {
            found.append(entry.name)
            if recursive && entry.isFolder { walk(entry.name) }
        }
        return found
    }

    /// `folder/name` with one slash between them.
    public static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
