import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import ColorizeServer

/// The page in a real browser: headless Chromium loads `/?example`, which puts a generated picture
/// into the page's file input; the page must reach its "done" state with a colorized image.
@Suite struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile)

    static func chromium(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium ?? "/usr/bin/chromium")
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,760",
                             "--virtual-time-budget=20000"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func pageColorizesAnUploadInChromium() async throws {
        guard Self.chromium != nil else {
            print("skipping: chromium is not installed (scripts/install-system-packages.sh installs it)")
            return
        }
        // COLORIZE_SCREENSHOT=docs/web-ui.png keeps a screenshot (the README shows it), taken with
        // the shipped model; otherwise the quick tiny model serves.
        let screenshotPath = ProcessInfo.processInfo.environment["COLORIZE_SCREENSHOT"]
        let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/default.safetensors").path
        try await WebApplicationTests.application(model: screenshotPath == nil ? WebApplicationTests.modelPath : shippedModel).test(.live) { client in
            let url = "http://127.0.0.1:\(try #require(client.port))/?example"
            let dom = try Self.chromium(["--dump-dom", url])
            #expect(dom.contains("data-state=\"done\""), "page did not finish: \(dom.suffix(400))")
            #expect(dom.contains("alt=\"colorized\" src=\"blob:"))
            let screenshot = screenshotPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("colorize-web-ui.png").path
            _ = try Self.chromium(["--screenshot=\(screenshot)", url])
            let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
            #expect(size > 10_000)
        }
    }
}
