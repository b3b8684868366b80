import Foundation

/// Why an image could not be read or written. Every case names the file (or "<memory>" for bytes
/// that came from elsewhere, such as an upload) so a message can be shown to the user as it is.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case unknownFormat(path: String)
    case corrupt(path: String, reason: String)
    case empty(path: String)
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    case unsupported(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path): "\(path): no such file"
        case let .unreadable(path, reason): "\(path): cannot read: \(reason)"
        case let .unknownFormat(path): "\(path): not a PNG or JPEG image"
        case let .corrupt(path, reason): "\(path): corrupt or truncated image: \(reason)"
        case let .empty(path): "\(path): image has no pixels (0×0)"
        case let .tooLarge(path, width, height, limit):
            "\(path): \(width)×\(height) exceeds the limit of \(limit) pixels"
        case let .unsupported(path, reason): "\(path): unsupported image: \(reason)"
        case let .writeFailed(path, reason): "\(path): cannot write: \(reason)"
        }
    }

    /// What a failed file-system call's `errno` means, for messages (a link loop named as such).
    public static func reason(errno code: Int32) -> String {
        code == ELOOP ? "too many levels of symbolic links (a link loop?)" : String(cString: strerror(code))
    }
}
