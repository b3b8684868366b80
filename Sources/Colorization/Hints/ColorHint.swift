import Foundation
import Imaging

/// A user's colour hint: "this pixel is that colour". (x, y) is a pixel of the input image
/// (0-based, x to the right, y down; fractions allowed), `color` its text form — `#rrggbb` or
/// `#rgb` (sRGB), or `lab:A,B` — and (a, b) the Lab chroma it stands for. A hex colour gives the
/// a, b of that sRGB colour; they are applied at the photo's own lightness, so `#c0392b` on a pale
/// petal makes it a light red, not dark.
public struct ColorHint: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double
    public var color: String
    public private(set) var a: Float
    public private(set) var b: Float

    public init(x: Double, y: Double, color: String) throws(HintError) {
        guard x.isFinite, y.isFinite else {
            throw .unparsable("\(x),\(y),\(color)", reason: "coordinates must be numbers")
        }
        (self.x, self.y, self.color) = (x, y, color)
        (a, b) = try Self.chroma(color)
    }

    /// A hint given as Lab a, b (its text form `lab:A,B`).
    public init(x: Double, y: Double, a: Float, b: Float) {
        (self.x, self.y, self.a, self.b) = (x, y, a, b)
        color = String(format: "lab:%.2f,%.2f", a, b)
    }

    /// Parses the command line's `X,Y,COLOR`, e.g. `120,45,#c0392b` or `300,200,lab:-40,35`.
    public init(parsing text: String) throws(HintError) {
        let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let x = Double(parts[0].trimmingCharacters(in: .whitespaces)),
            let y = Double(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            throw .unparsable(text, reason: "expected X,Y,COLOR such as 120,45,#c0392b or 120,45,lab:60,40")
        }
        try self.init(x: x, y: y, color: parts[2].trimmingCharacters(in: .whitespaces))
    }

    /// Lab a, b of a colour's text form.
    static func chroma(_ color: String) throws(HintError) -> (Float, Float) {
        let text = color.lowercased()
        if text.hasPrefix("lab:") {
            let values = text.dropFirst(4).split(separator: ",", omittingEmptySubsequences: false)
                .compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == 2, values.allSatisfy({ $0.isFinite && abs($0) <= 128 }) else {
                throw .unparsable(color, reason: "lab:A,B needs two numbers from −128 to 128")
            }
            return (values[0], values[1])
        }
        var digits = Substring(text)
        if digits.hasPrefix("#") { digits = digits.dropFirst() }
        if digits.count == 3 { digits = Substring(digits.flatMap { [$0, $0] }) }
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else {
            throw .unparsable(color, reason: "colours are #rrggbb, #rgb or lab:A,B")
        }
        let channel = { (shift: UInt32) in Float((value >> shift) & 0xFF) / 255 }
        let lab = ColorSpace.lab(r: channel(16), g: channel(8), b: channel(0))
        return (lab.a, lab.b)
    }

    /// Refuses a hint outside a `width`×`height` image, naming both.
    public func check(width: Int, height: Int) throws(HintError) {
        guard x >= 0, y >= 0, x < Double(width), y < Double(height) else {
            throw .outside(self, width: width, height: height)
        }
    }

    /// The point at network resolution `networkWidth`×`networkHeight` for an image of
    /// `width`×`height`, a 3×3 patch (simulated clicks in training span 1–9 pixels).
    public func point(width: Int, height: Int, networkWidth: Int, networkHeight: Int) -> HintPoint {
        let nx = Int(x * Double(networkWidth) / Double(max(width, 1)))
        let ny = Int(y * Double(networkHeight) / Double(max(height, 1)))
        return HintPoint(
            x: min(max(nx, 0), networkWidth - 1), y: min(max(ny, 0), networkHeight - 1), side: 3, a: a / 100,
            b: b / 100)
    }

    /// A hints file: `[{"x": 120, "y": 45, "color": "#c0392b"}, …]` or `{"hints": [...]}`.
    public static func list(json data: Data, source: String) throws(HintError) -> [ColorHint] {
        struct Wrapped: Decodable { var hints: [ColorHint] }
        let decoder = JSONDecoder()
        let hints: [ColorHint]
        do {
            let isList = data.first { !" \t\r\n".utf8.contains($0) } == UInt8(ascii: "[")
            hints =
                isList
                ? try decoder.decode([ColorHint].self, from: data) : try decoder.decode(Wrapped.self, from: data).hints
        } catch let error as HintError {
            throw error
        } catch {
            throw .unreadableFile(source, reason: Self.describe(error))
        }
        try checkCount(hints.count, source: source)
        return hints
    }

    /// The most hints one image takes: the hint field costs time in proportion to pixels × hints
    /// (10,000 hints took half a minute per image), and no one clicks a thousand times.
    public static let maximumCount = 1000

    /// Refuses more than `maximumCount` hints, naming where they came from.
    public static func checkCount(_ count: Int, source: String) throws(HintError) {
        guard count <= maximumCount else { throw .tooMany(count, source: source) }
    }

    /// The hints as JSON text, in the form `list(json:)` reads.
    public static func json(_ hints: [ColorHint]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(["hints": hints])).map { String(decoding: $0, as: UTF8.self) } ?? "{\"hints\":[]}"
    }

    enum CodingKeys: String, CodingKey { case x, y, color }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            x: values.decode(Double.self, forKey: .x), y: values.decode(Double.self, forKey: .y),
            color: values.decode(String.self, forKey: .color))
    }

    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(x, forKey: .x)
        try values.encode(y, forKey: .y)
        try values.encode(color, forKey: .color)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): "not JSON (\(context.debugDescription))"
        case DecodingError.keyNotFound(let key, _): "a hint has no \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

/// Why a hint was refused.
public enum HintError: Error, CustomStringConvertible, Equatable {
    case unparsable(String, reason: String)
    case outside(ColorHint, width: Int, height: Int)
    case unreadableFile(String, reason: String)
    case modelTakesNoHints(String)
    case tooMany(Int, source: String)

    public var description: String {
        switch self {
        case let .unparsable(text, reason): "hint \"\(text)\": \(reason)"
        case let .outside(hint, width, height):
            "hint at (\(Self.number(hint.x)), \(Self.number(hint.y))) is outside the \(width)×\(height) image "
                + "(x must be 0…\(width - 1), y 0…\(height - 1))"
        case let .unreadableFile(path, reason): "\(path): cannot read hints: \(reason)"
        case let .tooMany(count, source):
            "\(source): \(count) hints, more than the \(ColorHint.maximumCount) one image can take"
        case let .modelTakesNoHints(model):
            "\(model) takes no colour hints (it was trained without `colorize pretrain --hints`)"
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
