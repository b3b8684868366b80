import Testing

/// Training options a model file could not hold are usage errors before any work (they crashed).
@Suite struct TrainingOptionTests {
    typealias CLI = ColorizeCommandTests

    @Test func widthsBeyondAnyModelAreUsageErrors() throws {
        for width in ["inf", "1e300", "5"] {
            let result = try CLI.run([
                "pretrain", "--data", "/nonexistent", "--out", "/nonexistent/run", "--steps", "1", "--width", width,
            ])
            #expect(result.status == 2, "\(width): \(result.errors)")
            #expect(result.errors.contains("--width must be at most 4"), "\(width): \(result.errors)")
        }
    }
}
