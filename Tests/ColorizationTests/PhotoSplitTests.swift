import Foundation
import Testing

/// The photos installed by scripts/install-photos.sh are split into training (data/photos) and
/// validation (data/validation) by source package: no package, and no photo, may be on both sides.
///
/// Skipped, with a note saying so, where the photos are not installed; `COLORIZE_REQUIRE_DATA=1`
/// (set by `.ci/run`, which installs them) makes missing photos a failure instead.
@Suite(
    .enabled(
        if: InstalledPhotos.areInstalled || InstalledPhotos.areRequired,
        "data/photos or data/validation not installed (bash scripts/install-photos.sh): photo split tests skipped"))
struct PhotoSplitTests {
    struct Manifest {
        let folder: URL
        let rows: [[String: String]]
        var packages: Set<String> { Set(rows.compactMap { $0["package"] }) }
        var files: [URL] { rows.compactMap { $0["path"] }.map { folder.appendingPathComponent($0) } }
    }

    static let root = InstalledPhotos.root

    static func manifest(_ folder: String) throws -> Manifest {
        let url = root.appendingPathComponent(folder)
        try #require(
            FileManager.default.fileExists(atPath: url.appendingPathComponent("MANIFEST.tsv").path),
            "\(folder)/MANIFEST.tsv missing: COLORIZE_REQUIRE_DATA=1 requires the photos (bash scripts/install-photos.sh)"
        )
        let text = try String(contentsOf: url.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        let header = try #require(lines.first)
        let rows = lines.dropFirst().map { Dictionary(zip(header, $0), uniquingKeysWith: { a, _ in a }) }
        return Manifest(folder: url, rows: rows)
    }

    /// SHA-256 of each file, by one call of sha256sum.
    static func digests(_ files: [URL]) throws -> [String] {
        guard !files.isEmpty else { return [] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = files.map(\.path)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map { String($0.prefix(64)) }
    }

    @Test func trainingAndValidationAreDisjoint() throws {
        let train = try Self.manifest("data/photos")
        let validation = try Self.manifest("data/validation")
        #expect(train.rows.count >= 1)
        #expect(validation.rows.count >= 1)
        #expect(
            train.packages.isDisjoint(with: validation.packages),
            "packages on both sides: \(train.packages.intersection(validation.packages).sorted())")
        #expect(train.rows.allSatisfy { $0["split", default: "train"] == "train" })
        #expect(validation.rows.allSatisfy { $0["split", default: "validation"] == "validation" })

        let missing = (train.files + validation.files).filter { !FileManager.default.fileExists(atPath: $0.path) }
        #expect(missing.isEmpty, "listed but missing: \(missing.prefix(5).map(\.path))")

        let trainDigests = try Self.digests(train.files)
        let validationDigests = try Self.digests(validation.files)
        #expect(trainDigests.count == train.files.count && validationDigests.count == validation.files.count)
        let shared = Set(trainDigests).intersection(validationDigests)
        #expect(shared.isEmpty, "\(shared.count) photos are in both splits")
    }

    /// The trainer reads every picture below data/photos, so no validation photo may sit there.
    @Test func validationIsOutsideTheTrainingFolder() throws {
        let train = try Self.manifest("data/photos")
        let validation = try Self.manifest("data/validation")
        let trainFolder = train.folder.standardizedFileURL.path + "/"
        #expect(!validation.folder.standardizedFileURL.resolvingSymlinksInPath().path.hasPrefix(trainFolder))
        #expect(validation.files.allSatisfy { !$0.standardizedFileURL.path.hasPrefix(trainFolder) })
    }
}

/// Whether the photos scripts/install-photos.sh installs are there, and whether they must be.
enum InstalledPhotos {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether both manifests exist.
    static var areInstalled: Bool {
        ["data/photos", "data/validation"].allSatisfy {
            FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/MANIFEST.tsv").path)
        }
    }

    /// Whether the environment asks for the photos to be there (`COLORIZE_REQUIRE_DATA=1`).
    static var areRequired: Bool { ProcessInfo.processInfo.environment["COLORIZE_REQUIRE_DATA"] == "1" }
}
