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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notFound(root)
        }
        let paths = PhotoFolder.scan(root)
        guard !paths.isEmpty else { throw .noPhotos(root) }
        self.root = root
        self.paths = paths
    }

    /// Image files below `root` (recursively), sorted.
    public static func scan(_ root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if extensions.contains(URL(fileURLWithPath: relative).pathExtension.lowercased()) {
                found.append((root as NSString).appendingPathComponent(relative))
            }
        }
        return found.sorted()
    }
}
