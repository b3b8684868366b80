import Foundation

/// File names as the file system has them (any bytes but NUL) carried in Swift strings, so a name
/// that is not valid UTF-8 (`caf\xE9.png` written by a Latin-1 system) can still be colorized.
///
/// Swift strings hold Unicode only, and `CommandLine.arguments` or `FileManager` replace invalid
/// bytes, after which the name no longer exists. Here each byte that is not part of valid UTF-8 is
/// carried as one private-use scalar, U+F700 + byte (U+F780…U+F7FF, as invalid bytes are ≥ 0x80),
/// and turned back into that byte at every file-system call (`withRawPath`).
///
/// No collision with real names: a valid name that itself contains a scalar of U+F780…U+F7FF has
/// that scalar's three UTF-8 bytes escaped the same way, so `decoded(rawBytes:)` followed by
/// `rawBytes(of:)` gives back exactly the bytes it started from, for every name. The scheme is a
/// bijection only for strings made by `decoded(rawBytes:)` (and ASCII added to them, such as
/// `_color.png`); a string typed in Swift that holds U+F780…U+F7FF means those bytes.
public enum FileSystemPath {
    /// The first scalar of the escape range: byte B is carried as U+F700 + B.
    static let escapeBase: UInt32 = 0xF700
    /// Escaped bytes are 0x80…0xFF (invalid UTF-8 never holds ASCII), so U+F780…U+F7FF.
    static let escapeRange: ClosedRange<UInt32> = 0xF780...0xF7FF

    /// `bytes` as a string: valid UTF-8 as itself, every other byte (and the bytes of any scalar in the
    /// escape range) as its escape scalar.
    public static func decoded<Bytes: Collection>(rawBytes bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            if let (scalar, length) = validScalar(in: bytes, at: index), !escapeRange.contains(scalar.value) {
                scalars.append(scalar)
                index += length
            } else {
                // An invalid byte, or a real name's escape-range scalar: its bytes one by one.
                let length = validScalar(in: bytes, at: index)?.length ?? 1
                for byte in bytes[index..<index + length] { scalars.append(escape(byte)) }
                index += length
            }
        }
        return String(scalars)
    }

    /// The file-system bytes of `path` (no NUL terminator): escape scalars as their bytes, the rest
    /// as UTF-8.
    public static func rawBytes(of path: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if let byte = escapedByte(scalar) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: UTF8.encode(scalar).map { Array($0) } ?? [])
            }
        }
        return bytes
    }

    /// Calls `body` with `path` as a NUL-terminated C string of its file-system bytes, for open,
    /// stat, mkdir, rename and the rest.
    public static func withRawPath<Result, Failure: Error>(
        _ path: String, _ body: (UnsafePointer<CChar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let bytes = rawBytes(of: path).map { CChar(bitPattern: $0) } + [0]
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        defer { pointer.deallocate() }
        pointer.initialize(from: bytes, count: bytes.count)
        return try body(pointer)
    }

    /// The byte an escape scalar stands for, nil for any other scalar.
    public static func escapedByte(_ scalar: Unicode.Scalar) -> UInt8? {
        escapeRange.contains(scalar.value) ? UInt8(scalar.value - escapeBase) : nil
    }

    /// The program's arguments (without the program name) with their exact bytes, read from `argv`
    /// before `CommandLine.arguments` replaces invalid UTF-8.
    public static func commandLineArguments() -> [String] {
        (1..<Int(CommandLine.argc)).map { index in
            guard let argument = CommandLine.unsafeArgv[index] else { return "" }
            return decoded(
                rawBytes: UnsafeBufferPointer(start: argument, count: strlen(argument)).map {
                    UInt8(bitPattern: $0)
                })
        }
    }

    private static func escape(_ byte: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(escapeBase + UInt32(byte)) ?? "?"
    }

    /// The scalar that valid UTF-8 at `index` encodes and its length in bytes (shortest form, no
    /// surrogates, at most U+10FFFF), or nil.
    private static func validScalar(in bytes: [UInt8], at index: Int) -> (scalar: Unicode.Scalar, length: Int)? {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0x00...0x7F: return Unicode.Scalar(UInt32(lead)).map { ($0, 1) }
        case 0xC2...0xDF: (length, value) = (2, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (length, value) = (3, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (length, value) = (4, UInt32(lead & 0x07))
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for byte in bytes[(index + 1)..<(index + length)] {
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        let shortest: UInt32 = length == 3 ? 0x800 : length == 4 ? 0x10000 : 0x80
        // Unicode.Scalar refuses surrogates and values above U+10FFFF.
        guard value >= shortest, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
