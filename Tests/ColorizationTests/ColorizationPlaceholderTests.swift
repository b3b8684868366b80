import Testing
@testable import Colorization

@Test func ColorizationBuilds() { #expect(Bool(true)) }
