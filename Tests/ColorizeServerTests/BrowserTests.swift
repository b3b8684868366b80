import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import Imaging
import Testing

@testable import ColorizeServer

/// The page in a real browser: headless Chromium loads `/?example`, which puts a generated picture
/// into the page's file input; the page must reach its "done" state with a colorized image.
/// `/?example&hints=JSON` then places colour hints as clicks would and colorizes again.
/// Chromium is driven over DevTools (`DevToolsPage`), polling the page's state in real time: under
/// load, `--dump-dom` with a `--virtual-time-budget` can dump while a request is still in flight.
@Suite struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(
        where: FileManager.default.isExecutableFile)

    @Test func pageColorizesAnUploadInChromium() async throws {
        guard Self.chromium != nil else {
            print("skipping: chromium is not installed (scripts/install-system-packages.sh installs it)")
            return
        }
        // COLORIZE_SCREENSHOT=docs/web-ui.png keeps a screenshot (the README shows it), taken with
        // the shipped model; otherwise the quick tiny model serves.
        let screenshotPath = ProcessInfo.processInfo.environment["COLORIZE_SCREENSHOT"]
        let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Models/default.safetensors"
        ).path
        try await WebApplicationTests.application(
            model: screenshotPath == nil ? WebApplicationTests.modelPath : shippedModel
        ).test(.live) { client in
            let url = "http://127.0.0.1:\(try #require(client.port))/?example"
            let screenshot =
                screenshotPath
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("colorize-web-ui.png").path
            let data = try await DevToolsPage.data(
                of: url, also: ["colorized": "document.getElementById('color').src"], screenshot: screenshot
            ) { $0["state"] == "done" || $0["state"] == "error" }
            #expect(data["state"] == "done", "page did not finish: \(data)")
            #expect(data["colorized"]?.hasPrefix("blob:") == true, "\(data)")
            let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
            #expect(size > 10_000)
        }
    }

    /// Two hints placed on the page, the colours near them must move towards theirs. A red
    /// hint in the (blue-looking) sky and a blue one on the (dull) ground, both against the model's
    /// own guess there; the page records the result's RGB at each spot before (`data-before`) and
    /// after (`data-rgb`).
    @Test func hintsPlacedOnThePageChangeTheColoursNearThemInChromium() async throws {
        guard Self.chromium != nil else {
            print("skipping: chromium is not installed (scripts/install-system-packages.sh installs it)")
            return
        }
        let model = try HintAPITests.requireHintModel()
        let hints = ##"[{"x":40,"y":40,"color":"#d02020"},{"x":330,"y":220,"color":"#2040d0"}]"##
        try await WebApplicationTests.application(model: model).test(.live) { client in
            // A first colorization outside the browser, so the page's requests find the model warm.
            let png = try ImageCodec.encodePNG(WebApplicationTests.picture())
            try await client.execute(uri: "/api/colorize", method: .post, body: ByteBuffer(bytes: png)) {
                #expect($0.status == .ok)
            }
            let query = try #require(hints.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let url = "http://127.0.0.1:\(try #require(client.port))/?example&hints=\(query)"
            let data = try await DevToolsPage.data(of: url) {
                $0["state"] == "error" || ($0["state"] == "done" && $0["hints"] == "2")
            }
            #expect(data["hintsSupported"] == "true", "\(data)")
            #expect(data["state"] == "done" && data["hints"] == "2", "\(data)")
            let before = Self.colours(data["before"]), after = Self.colours(data["rgb"])
            try #require(before.count == 2 && after.count == 2, "no colours recorded: \(data)")
            // r − b rises at the red hint, b − r at the blue one, by a clear margin (of 255).
            let red = (after[0][0] - after[0][2]) - (before[0][0] - before[0][2])
            let blue = (after[1][2] - after[1][0]) - (before[1][2] - before[1][0])
            #expect(red >= 25, "red hint: RGB \(before[0]) → \(after[0])")
            #expect(blue >= 25, "blue hint: RGB \(before[1]) → \(after[1])")
        }
    }

    /// A colour reference picked on the page (the example scene in colour: blue sky, green field) is
    /// uploaded and followed: the field, which the model leaves dull without it, turns green.
    @Test func aReferencePickedOnThePageColoursTheMatchingRegionsInChromium() async throws {
        guard Self.chromium != nil else {
            print("skipping: chromium is not installed (scripts/install-system-packages.sh installs it)")
            return
        }
        let model = try HintAPITests.requireHintModel()
        try await WebApplicationTests.application(model: model).test(.live) { client in
            let png = try ImageCodec.encodePNG(WebApplicationTests.picture())
            try await client.execute(uri: "/api/colorize", method: .post, body: ByteBuffer(bytes: png)) {
                #expect($0.status == .ok)
            }
            let url = "http://127.0.0.1:\(try #require(client.port))/?example&reference=example"
            let data = try await DevToolsPage.data(of: url) {
                $0["state"] == "error" || ($0["state"] == "done" && $0["reference"] == "used")
            }
            #expect(data["state"] == "done" && data["reference"] == "used", "\(data)")
            let before = Self.colours(data["before"]), after = Self.colours(data["spots"])
            try #require(before.count == 2 && after.count == 2, "no colours recorded: \(data)")
            // On the field: g − (r + b)/2 rises by a clear margin (of 255).
            func green(_ rgb: [Int]) -> Int { rgb[1] - (rgb[0] + rgb[2]) / 2 }
            #expect(green(after[1]) - green(before[1]) >= 15, "field: RGB \(before[1]) → \(after[1])")
        }
    }

    /// The page's "r,g,b r,g,b" lists as [[r, g, b], …].
    static func colours(_ value: String?) -> [[Int]] {
        (value ?? "").split(separator: " ").map { $0.split(separator: ",").compactMap { Int($0) } }
            .filter { $0.count == 3 }
    }
}

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: it reads
/// NUL-terminated JSON commands on fd 3 and answers on fd 4), so a test can poll the page's state.
final class DevToolsPage {
    let pid: pid_t
    let commands: Int32, answers: Int32
    let profile: URL
    var pending: [UInt8] = []
    var nextID = 0

    /// `document.body.dataset` of the page at `url`, with the values of the expressions in `also`, once
    /// `done` holds for it (or after `timeout` s); then a PNG screenshot to `screenshot` if given.
    ///
    /// The session blocks (it polls the browser's pipe), so it runs on a thread of its own: on the
    /// concurrency pool (one thread per core) two browser tests at once would hold every thread,
    /// and the server under test, whose handlers run there too, could never answer the page.
    static func data(
        of url: String, also: [String: String] = [:], screenshot: String? = nil, timeout: Double = 120,
        until done: @escaping @Sendable ([String: String]) -> Bool
    ) async throws -> [String: String] {
        try await runBlocking {
            Result { try session(of: url, also: also, screenshot: screenshot, timeout: timeout, until: done) }
        }.get()
    }

    /// The blocking body of `data(of:…)`.
    private static func session(
        of url: String, also: [String: String], screenshot: String?, timeout: Double,
        until done: ([String: String]) -> Bool
    ) throws -> [String: String] {
        let browser = try DevToolsPage()
        defer { browser.close() }
        let target = try browser.call("Target.createTarget", ["url": url])["targetId"] as? String
        let session =
            try browser.call("Target.attachToTarget", ["targetId": target ?? "", "flatten": true])[
                "sessionId"] as? String
        let extra = also.map { "\"\($0.key)\": String(\($0.value))" }.joined(separator: ", ")
        let expression = "JSON.stringify(document.body ? Object.assign({}, document.body.dataset, {\(extra)}) : {})"
        let deadline = Date().addingTimeInterval(timeout)
        var data: [String: String] = [:]
        repeat {
            usleep(200_000)
            let answer = try browser.call(
                "Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
            let text = ((answer["result"] as? [String: Any])?["value"] as? String) ?? "{}"
            data = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]) ?? [:]
        } while !done(data) && Date() < deadline
        if let screenshot {
            let shot = try browser.call("Page.captureScreenshot", ["format": "png"], session: session)
            try Data(base64Encoded: shot["data"] as? String ?? "")?.write(to: URL(fileURLWithPath: screenshot))
        }
        return data
    }

    init() throws {
        // Pipe ends above 10 and close-on-exec; the child gets just its two as fds 3 and 4.
        func pipeAbove10() throws -> (read: Int32, write: Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
            let high = ends.map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
            ends.forEach { Glibc.close($0) }
            return (high[0], high[1])
        }
        let toBrowser = try pipeAbove10(), fromBrowser = try pipeAbove10()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser.read, 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser.write, 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-chromium-\(UUID())")
        let arguments = [
            BrowserTests.chromium ?? "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--hide-scrollbars", "--window-size=1100,760", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "about:blank",
        ]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        Glibc.close(toBrowser.read)
        Glibc.close(fromBrowser.write)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .ENOENT) }
        (self.pid, self.profile, commands, answers) = (pid, profile, toBrowser.write, fromBrowser.read)
    }

    /// Sends a command and returns its result, skipping the events that come in between.
    func call(_ method: String, _ params: [String: Any], session: String? = nil) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        let bytes = [UInt8](try JSONSerialization.data(withJSONObject: message)) + [0]
        guard bytes.withUnsafeBufferPointer({ write(commands, $0.baseAddress, $0.count) }) == bytes.count else {
            throw POSIXError(.EPIPE)
        }
        while true {
            while let end = pending.firstIndex(of: 0) {
                let json = try JSONSerialization.jsonObject(with: Data(pending[..<end])) as? [String: Any]
                pending.removeSubrange(...end)
                guard let json, json["id"] as? Int == nextID else { continue }
                if let error = json["error"] { throw DevToolsError(description: "\(method): \(error)") }
                return json["result"] as? [String: Any] ?? [:]
            }
            // A browser that stops answering fails the test instead of hanging it.
            var poller = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 30_000) == 1 else { throw DevToolsError(description: "\(method): no answer") }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBufferPointer { read(answers, $0.baseAddress, $0.count) }
            guard count > 0 else { throw DevToolsError(description: "\(method): browser closed the pipe") }
            pending += chunk[..<count]
        }
    }

    /// Asks the browser to quit (it takes its helper processes with it), killing it if it has not after 5 s.
    func close() {
        _ = try? call("Browser.close", [:])
        Glibc.close(commands)
        Glibc.close(answers)
        var status: Int32 = 0
        for _ in 0..<50 where waitpid(pid, &status, WNOHANG) == 0 { usleep(100_000) }
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(at: profile)
    }
}

struct DevToolsError: Error, CustomStringConvertible {
    var description: String
}
