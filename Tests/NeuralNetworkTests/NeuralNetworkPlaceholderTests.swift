import Testing
@testable import NeuralNetwork

@Test func NeuralNetworkBuilds() { #expect(Bool(true)) }
