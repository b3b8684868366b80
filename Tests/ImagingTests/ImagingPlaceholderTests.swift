import Testing
@testable import Imaging

@Test func ImagingBuilds() { #expect(Bool(true)) }
