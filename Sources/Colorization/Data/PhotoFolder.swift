import Foundation
import Imaging

/// The photos of a folder tree: every .jpg, .jpeg and .png below it, in a stable order.
public struct PhotoFolder: Sendable {
    public let root: String
    public let paths: [String]

    public enum Failure: Error, CustomStringConvertible {
        case notFound(String)
        case noPhotos(String)
        public var description: String {
            switch self {
            case let .notFound(path): "\(path): no such folder"
            case let .noPhotos(path): "\(path): contains no .jpg, .jpeg or .png files"
            }
        }
    }

    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    public init(_ root: String) throws(Failure) {
        var info = stat()
        guard FileSystemPath.withRawPath(root, { stat($0, &info) }) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .notFound(root)
        }
        let paths = PhotoFolder.scan(root)
        guard !paths.isEmpty else { throw .noPhotos(root) }
        self.root = root
        self.paths = paths
    }

    /// Image files below `root` (recursively), sorted. Listed with `FolderListing` (opendir/readdir on
    /// the names' own bytes), so photos whose names are not valid UTF-8 are found and readable.
    public static func scan(_ root: String) -> [String] {
        let relatives = (try? FolderListing.relativePaths(below: root, recursive: true)) ?? []
        return
            relatives
            .filter { extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            .map { FolderListing.join(root, $0) }
            .sorted()
    }
}
