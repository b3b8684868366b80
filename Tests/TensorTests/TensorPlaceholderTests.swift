import Testing
@testable import Tensor

@Test func TensorBuilds() { #expect(Bool(true)) }
