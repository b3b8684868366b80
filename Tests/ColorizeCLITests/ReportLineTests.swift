import Foundation
import Testing

@testable import ColorizeCLI

/// `--report` lines are valid JSON whatever the file names hold.
@Suite struct ReportLineTests {
    @Test func namesWithQuotesAndControlCharactersStayValidJSON() throws {
        let name = "evil \"quoted\" \\ back\n\u{1B}[2J\u{7F} é.png"
        let outcome = FileOutcome(
            input: name, output: nil, status: .failed, width: 3, height: 2, seconds: 0.25, error: "\(name): bad")
        let line = RunReport.line(for: outcome, residentMegabytes: 12.5)
        #expect(!line.contains("\n") && !line.contains("\u{1B}"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["input"] as? String == name)
        #expect(object["error"] as? String == "\(name): bad")
        #expect(object["output"] is NSNull)
        #expect(object["status"] as? String == "failed")
        #expect(object["width"] as? Int == 3 && object["height"] as? Int == 2)
        #expect(object["seconds"] as? Double == 0.25 && object["rss_mb"] as? Double == 12.5)
        #expect(line.hasPrefix("{\"input\": "))
    }
}
