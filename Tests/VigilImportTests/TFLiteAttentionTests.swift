import Foundation
import Testing
@testable import VigilImport

/// The converter's transformer (family_transformer_int8, bit-exact with LiteRT in
/// TFLiteImportTests): its BATCH_MATMULs, 4-D attention tensors, and the SHAPE → GATHER
/// → REDUCE_PROD → PACK chains folded into RESHAPE targets that merge the batch with
/// the sequence. Edited copies of it are refused with the node named.
struct TFLiteAttentionTests {
    static let name = "family_transformer_int8.tflite"

    static func importError(_ bytes: [UInt8]) -> ImportError? {
        do {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: name)
            return nil
        } catch {
            return error
        }
    }

    /// Rewrites every operator code `from` to `to` (deprecated and extended code fields).
    static func recode(_ bytes: inout [UInt8], from: Int32, to: UInt8) throws -> Int {
        let root = try FlatBufferReader(bytes: bytes, path: "x").root()
        var patched = 0
        for code in try root.tables(1) where try code.i32(3) == from || Int32(Int8(bitPattern: try code.u8(0))) == from {
            if let at = try code.field(0, size: 1) { bytes[at] = to }
            if let at3 = try code.field(3, size: 4) { bytes[at3] = to; bytes[at3 + 1] = 0; bytes[at3 + 2] = 0; bytes[at3 + 3] = 0 }
            patched += 1
        }
        return patched
    }

    /// The first int32 constant whose data is `values`, rewritten to `replacement` in place.
    static func patchConstant(_ bytes: inout [UInt8], values: [Int32], replacement: [Int32]) throws -> Bool {
        let model = try TFLiteModel(bytes: bytes, path: "x")
        for i in model.tensors.indices where model.tensors[i].type == .int32 {
            let data = model.data(of: i)
            guard data.count == 4 * values.count else { continue }
            let ints = (0..<values.count).map { k in
                Int32(bitPattern: UInt32(data[data.startIndex + 4 * k]) | UInt32(data[data.startIndex + 4 * k + 1]) << 8
                      | UInt32(data[data.startIndex + 4 * k + 2]) << 16 | UInt32(data[data.startIndex + 4 * k + 3]) << 24)
            }
            guard ints == values else { continue }
            for (k, v) in replacement.enumerated() {
                let u = UInt32(bitPattern: v)
                for b in 0..<4 { bytes[data.startIndex + 4 * k + b] = UInt8(truncatingIfNeeded: u >> (8 * UInt32(b))) }
            }
            return true
        }
        return false
    }

    @Test func theTransformerImportsWithItsAttentionInInt8() throws {
        let model = try TFLiteImporter.importModel(contentsOf: TFLiteImportTests.bytes(Self.name), name: Self.name)
        let matMuls = model.graph.nodes.filter { $0.op == .matMul }
        // Two heads' scores and contexts: two BATCH_MATMULs over [heads, L, ·].
        #expect(matMuls.count == 2)
        for node in matMuls { #expect(model.graph.tensors[node.outputs[0]].dtype == .int8) }
    }

    /// FULLY_CONNECTED recoded to RELU: the ReLU that now reads the Dense's batch-merged
    /// [batch·32, 16] input is refused (only RESHAPE, FULLY_CONNECTED and SHAPE read it).
    @Test func mergedBatchIsFollowedOnlyThroughReshapeAndDense() throws {
        var bytes = TFLiteImportTests.bytes(Self.name)
        try #require(try Self.recode(&bytes, from: 9, to: 19) == 1)
        guard case .unsupportedAttribute(_, let reason)? = Self.importError(bytes) else { Issue.record("\(String(describing: Self.importError(bytes)))"); return }
        #expect(reason.contains("RELU of") && reason.contains("merges the batch with 32 rows"), "\(reason)")
    }

    /// The GATHER indices [0, 1] that pick [batch, 32] from the shape rewritten to
    /// [0, 7]: an index outside the 3-element shape.
    @Test func aGatherIndexOutsideTheShapeIsRefused() throws {
        var bytes = TFLiteImportTests.bytes(Self.name)
        try #require(try Self.patchConstant(&bytes, values: [0, 1], replacement: [0, 7]))
        guard case .unsupportedAttribute(let node, let reason)? = Self.importError(bytes) else { Issue.record("\(String(describing: Self.importError(bytes)))"); return }
        #expect(reason.contains("GATHER index 7 outside 3 values"), "\(node): \(reason)")
    }

    /// The feed-forward Dense's output width [32], which the converter concatenates onto
    /// the folded [batch, 32] to reshape [batch·32, 32] back, rewritten to [64]: 1,024
    /// elements per sample do not fill [32, 64].
    @Test func aReshapeThatDoesNotFitIsRefused() throws {
        var bytes = TFLiteImportTests.bytes(Self.name)
        try #require(try Self.patchConstant(&bytes, values: [32], replacement: [64]))
        let error = Self.importError(bytes)
        switch error {
        case .shapeMismatch(_, let reason)?, .unsupportedAttribute(_, let reason)?:
            #expect(reason.contains("RESHAPE of 1024 elements per sample"), "\(reason)")
        default:
            Issue.record("\(String(describing: error))")
        }
    }
}

/// split_int8 (SPLIT and UNPACK, bit-exact in TFLiteImportTests) edited: a split along
/// the batch is refused with the reason.
struct TFLiteSplitTests {
    @Test func splittingTheBatchIsRefused() throws {
        var bytes = TFLiteImportTests.bytes("split_int8.tflite")
        try #require(try TFLiteAttentionTests.patchConstant(&bytes, values: [-1], replacement: [0]))
        do {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "split_int8.tflite")
            Issue.record("a SPLIT along the batch was accepted")
        } catch {
            guard case .unsupportedAttribute(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("SPLIT along axis 0"), "\(reason)")
        }
    }
}
