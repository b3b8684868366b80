import Foundation
import Imaging

/// A colour photo that shows what the colours should be, ready to be matched: its encoder
/// features and its mean a/b on the matching grid (`ReferenceMatcher.stride`), at the network
/// scale of its own aspect ratio. Made by `Colorizer.reference(_:name:)`.
public struct ColorReference: Sendable {
    /// The name errors and logs use (usually the file's path).
    public let name: String
    /// Grid cells × feature channels, row-major; each row has unit length.
    let features: [Float]
    /// Grid cells × 2: the mean Lab a and b (/100) of each cell.
    let chroma: [Float]
    let channels: Int
    var cells: Int { chroma.count / 2 }

    /// The smallest side a reference may have: below it the network would see a few grid cells.
    public static let minimumSide = 32

    /// Refuses what cannot serve as a reference: a grey image (no colour to carry) or one whose
    /// shorter side is below `minimumSide`.
    /// - Parameters:
    ///   - rgb: the reference's pixels, RGB 0…1 at any size.
    ///   - name: names it in the error.
    static func check(_ rgb: Raster, name: String) throws(ReferenceError) {
        guard min(rgb.width, rgb.height) >= minimumSide else {
            throw .tooSmall(name, width: rgb.width, height: rgb.height, minimum: minimumSide)
        }
        guard colouredShare(rgb) >= 0.005 else { throw .grey(name) }
    }

    /// The share of pixels with Lab chroma of at least 6: a scan of a black-and-white print has
    /// a little tint, a colour photo has far more than half a percent of clearly coloured pixels.
    static func colouredShare(_ rgb: Raster) -> Double {
        guard rgb.channels == 3 else { return 0 }
        let lab = ColorSpace.lab(fromRGB: rgb)
        var coloured = 0
        for i in 0..<lab.pixelCount {
            let a = lab.values[3 * i + 1], b = lab.values[3 * i + 2]
            if a * a + b * b >= 36 { coloured += 1 }
        }
        return Double(coloured) / Double(max(lab.pixelCount, 1))
    }
}

/// Why a colour reference cannot be used.
public enum ReferenceError: Error, CustomStringConvertible, Equatable {
    case grey(String)
    case tooSmall(String, width: Int, height: Int, minimum: Int)
    case unreadable(String, reason: String)
    case modelCannotMatch(String, reason: String)

    public var description: String {
        switch self {
        case let .grey(name):
            "\(name): the reference is grey — it has no colours to carry over (give a colour photo)"
        case let .tooSmall(name, width, height, minimum):
            "\(name): the reference is \(width)×\(height), too small to match (at least \(minimum) pixels a side)"
        case let .unreadable(name, reason): "\(name): cannot read the reference: \(reason)"
        case let .modelCannotMatch(model, reason): "\(model) cannot take a colour reference: \(reason)"
        }
    }
}
