import Foundation
import Testing
@testable import VigilImport
import VigilRuntime
import VigilTestSupport

/// Bad model files end in specific errors, never a crash.
struct ONNXBadInputTests {
    func importing(_ bytes: [UInt8]) -> ImportError? {
        do {
            _ = try ONNXImporter.importModel(contentsOf: bytes, name: "model.onnx")
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedFilesFail() throws {
        let bytes = try ONNXFixtures.bytes("reference_cnn")
        // Every cut point in the header region, then a spread over the weights.
        var cuts = Array(0..<min(bytes.count, 600))
        cuts += stride(from: 600, to: bytes.count, by: 97)
        for cut in cuts {
            let error = importing(Array(bytes[..<cut]))
            #expect(error != nil, "truncated to \(cut) bytes, yet imported")
        }
        if case .malformedFile? = importing(Array(bytes[..<(bytes.count / 2)])) {} else {
            Issue.record("half a file should be a malformed-file error")
        }
    }

    @Test func corruptedBytesNeverCrash() throws {
        let bytes = try ONNXFixtures.bytes("ncw_cnn")
        var generator = SplitMix64(seed: 42)
        var failures = 0
        for trial in 0..<600 {
            var copy = bytes
            let flips = 1 + trial % 4
            for _ in 0..<flips {
                let i = Int(generator.next() % UInt64(copy.count))
                copy[i] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
            if importing(copy) != nil { failures += 1 }
        }
        // Most flips land in weights and still import; the point is that none crashed.
        #expect(failures > 0)
        // Garbage is never a model.
        #expect(importing((0..<512).map { _ in UInt8(truncatingIfNeeded: generator.next()) }) != nil)
        #expect(importing([]) != nil)
    }

    @Test func unsupportedOpNamesNodeTypeAndSupportedOps() throws {
        let error = importing(try ONNXFixtures.bytes("unsupported_op"))
        guard case .unsupportedOp(let node, let type, let supported)? = error else {
            Issue.record("expected unsupportedOp, got \(String(describing: error))")
            return
        }
        #expect(node == "the_hardmax")
        #expect(type == "Hardmax")
        #expect(supported.contains("Conv") && supported.contains("GRU"))
        #expect(error!.description.contains("the_hardmax") && error!.description.contains("Hardmax"))
    }

    @Test func nanWeightsAreRejected() throws {
        #expect(importing(try ONNXFixtures.bytes("nan_weights")) == .nonFiniteWeights(tensor: "W"))
    }

    @Test func fourDimensionalConvolutionIsOutOfScope() throws {
        let error = importing(try ONNXFixtures.bytes("conv4d"))
        guard case .unsupportedAttribute(let node, let reason)? = error else {
            Issue.record("expected unsupportedAttribute, got \(String(describing: error))")
            return
        }
        #expect(node == "conv4d")
        #expect(reason.contains("4-D"))
    }

    @Test func oldOpsetIsRejected() throws {
        guard case .unsupportedVersion(let reason)? = importing(try ONNXFixtures.bytes("old_opset")) else {
            Issue.record("expected unsupportedVersion")
            return
        }
        #expect(reason.contains("opset 9"))
    }

    @Test func wrongWeightShapeIsRejected() throws {
        guard case .shapeMismatch(let node, _)? = importing(try ONNXFixtures.bytes("wrong_shape")) else {
            Issue.record("expected shapeMismatch")
            return
        }
        #expect(node == "gemm")
    }

    /// Bidirectional layers import (ONNXDataMovementTests checks their values); ones
    /// whose two directions use different activations do not.
    @Test func bidirectionalRecurrenceWithMixedActivationsIsUnsupported() throws {
        let model = try ONNXImporter.importModel(contentsOf: ONNXFixtures.bytes("bidirectional_gru"), name: "bidirectional_gru.onnx")
        guard case .gru(let a)? = model.graph.nodes.first?.op else {
            Issue.record("expected a GRU, got \(model.graph.nodes.map(\.op.name))")
            return
        }
        #expect(a.direction == .bidirectional)
        guard case .unsupportedAttribute(let node, let reason)? = importing(try ONNXFixtures.bytes("bidirectional_mixed_activations")) else {
            Issue.record("expected unsupportedAttribute")
            return
        }
        #expect(node == "mixed")
        #expect(reason.contains("directions"))
    }

    @Test func missingFileIsMalformed() {
        #expect(throws: ImportError.self) { _ = try ONNXImporter.importModel(atPath: "/nonexistent/model.onnx") }
    }
}
