import Foundation
import Testing
@testable import VigilImport
import VigilKernels
import VigilRuntime
import VigilTestSupport

/// `.tflite` files written by TensorFlow's converter with full-integer quantization
/// (Fixtures/tflite/make_tflite_fixtures.py), imported and run by Vigil: every output
/// byte must equal what LiteRT computes with its reference kernels (BUILTIN_REF) on the
/// same 1,000 inputs per model.
struct TFLiteImportTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var seed: UInt64
        var inputs: [(shape: [Int], isInt8: Bool)]
        var outputBytes: [Int]
        var testDescription: String { name }
    }

    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/tflite") }

    static let manifest: (samples: Int, cases: [Case]) = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        var cases: [Case] = []
        for c in json["cases"] as! [[String: Any]] {
            func tensors(_ key: String) -> [(shape: [Int], isInt8: Bool)] {
                (c[key] as! [[String: Any]]).map { ($0["shape"] as! [Int], ($0["dtype"] as! String) == "int8") }
            }
            let outputs = tensors("outputs").map { t in t.shape.reduce(1, *) * (t.isInt8 ? 1 : 4) }
            cases.append(Case(name: c["name"] as! String, seed: UInt64(c["seed"] as! Int), inputs: tensors("inputs"), outputBytes: outputs))
        }
        return (json["samples"] as! Int, cases)
    }()

    static var caseNames: [String] { manifest.cases.map { $0.name } }

    static func bytes(_ name: String) -> [UInt8] {
        [UInt8](try! Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// The script's input generator: r = next() >> 56 as int8; float inputs take r / 32.
    static func inputs(_ c: Case, samples: Int) -> [[[UInt8]]] {
        var g = SplitMix64(seed: c.seed)
        var out: [[[UInt8]]] = []
        for _ in 0..<samples {
            var sample: [[UInt8]] = []
            for t in c.inputs {
                let n = t.shape.reduce(1, *)
                var bytes: [UInt8] = []
                for _ in 0..<n {
                    let r = Int8(truncatingIfNeeded: g.next() >> 56)
                    if t.isInt8 {
                        bytes.append(UInt8(bitPattern: r))
                    } else {
                        withUnsafeBytes(of: (Float(r) / 32).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                    }
                }
                sample.append(bytes)
            }
            out.append(sample)
        }
        return out
    }

    /// Runs `samples` inputs through the model in batches and returns all output bytes,
    /// sample-major, in the script's layout.
    static func run<K: KernelSet>(_ graph: Graph, _ c: Case, inputs: [[[UInt8]]], kernels: K.Type, batch: Int) throws -> [UInt8] {
        let interpreter = try Interpreter<K>(graph: graph, batch: batch)
        var result: [UInt8] = []
        var start = 0
        while start < inputs.count {
            let n = min(batch, inputs.count - start)
            for (j, _) in c.inputs.enumerated() {
                let buffer = interpreter.inputBytes(j)
                let per = buffer.count / batch
                for s in 0..<n {
                    inputs[start + s][j].withUnsafeBytes { buffer.baseAddress!.advanced(by: s * per).copyMemory(from: $0.baseAddress!, byteCount: per) }
                }
            }
            interpreter.invoke()
            for s in 0..<n {
                for (k, size) in c.outputBytes.enumerated() {
                    let out = interpreter.outputBytes(k)
                    result.append(contentsOf: out[(s * size)..<((s + 1) * size)])
                }
            }
            start += n
        }
        return result
    }

    @Test(arguments: caseNames)
    func bitExactWithLiteRTReference(_ name: String) throws {
        let c = Self.manifest.cases.first { $0.name == name }!
        let model = try TFLiteImporter.importModel(contentsOf: Self.bytes(name + ".tflite"), name: name + ".tflite")
        let expected = Self.bytes(name + ".expected.bin")
        let samples = Self.manifest.samples
        #expect(samples >= 1000)
        #expect(expected.count == samples * c.outputBytes.reduce(0, +))
        let inputs = Self.inputs(c, samples: samples)
        for (label, got) in [
            ("reference", try Self.run(model.graph, c, inputs: inputs, kernels: PortableKernels.self, batch: 100)),
            ("host", try Self.run(model.graph, c, inputs: inputs, kernels: HostKernels.self, batch: 64)),
        ] {
            var mismatches = 0
            var first = -1
            for i in expected.indices where got[i] != expected[i] {
                mismatches += 1
                if first < 0 { first = i }
            }
            #expect(mismatches == 0, "\(name) (\(label) kernels): \(mismatches) of \(expected.count) output bytes differ, first at \(first)")
        }
    }

    @Test func importedGraphUsesTheFilesQuantization() throws {
        let model = try TFLiteImporter.importModel(contentsOf: Self.bytes("design_int8.tflite"), name: "design_int8.tflite")
        let g = model.graph
        // Conv, pool, conv, pool, conv, mean, concat, dense, dense, softmax: the
        // EXPAND_DIMS/RESHAPE pairs around the 2-D ops become aliases.
        #expect(g.nodes.map { $0.op.name } == ["Conv1D", "MaxPool1D", "Conv1D", "MaxPool1D", "Conv1D", "GlobalAveragePool1D", "Concatenate", "Dense", "Dense", "Softmax"])
        let convWeight = g.tensors[g.nodes[0].inputs[1]]
        #expect(convWeight.dtype == .int8 && convWeight.shape == [7, 1, 16])
        #expect(convWeight.quantization?.axis == 2 && convWeight.quantization?.scales.count == 16)
        let bias = g.tensors[g.nodes[0].inputs[2]]
        #expect(bias.dtype == .int32 && bias.quantization?.scales.count == 16)
        #expect(g.tensors[g.outputs[0]].quantization == QuantizationParameters(scale: 1.0 / 256.0, zeroPoint: -128))
        for t in g.tensors where !t.isConstant { #expect(t.dtype == .int8) }
    }

    // MARK: - Bad input

    @Test func truncatedFileIsMalformed() {
        let bytes = Self.bytes("design_int8.tflite")
        for length in [0, 3, 7, 64, bytes.count / 2, bytes.count - 1000] {
            #expect(throws: ImportError.self) { try TFLiteImporter.importModel(contentsOf: Array(bytes[0..<length]), name: "cut.tflite") }
            do {
                _ = try TFLiteImporter.importModel(contentsOf: Array(bytes[0..<length]), name: "cut.tflite")
            } catch {
                guard case .malformedFile(let path, _) = error else { Issue.record("length \(length): \(error)"); continue }
                #expect(path == "cut.tflite")
            }
        }
    }

    @Test func rootOffsetOutsideTheFileIsMalformed() {
        var bytes = Self.bytes("design_int8.tflite")
        bytes[0] = 0xFF; bytes[1] = 0xFF; bytes[2] = 0xFF; bytes[3] = 0x7F
        #expect(throws: ImportError.self) { try TFLiteImporter.importModel(contentsOf: bytes, name: "x.tflite") }
        do { _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "x.tflite") } catch {
            if case .malformedFile = error {} else { Issue.record("\(error)") }
        }
    }

    /// A weight buffer cut short: the importer names the constant.
    @Test func corruptedBufferIsNamed() throws {
        var bytes = Self.bytes("design_int8.tflite")
        // Find the first Buffer whose data vector has exactly 16·7 = 112 bytes (the first
        // convolution's filter) and shrink its length field.
        let reader = FlatBufferReader(bytes: bytes, path: "x")
        let root = try reader.root()
        var patched = false
        for b in try root.tables(4) {
            if let (n, start) = try b.vector(0, elementSize: 1), n == 112 {
                let at = start - 4
                bytes[at] = 100; bytes[at + 1] = 0; bytes[at + 2] = 0; bytes[at + 3] = 0
                patched = true
                break
            }
        }
        #expect(patched)
        do {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "x.tflite")
            Issue.record("a short weight buffer was accepted")
        } catch {
            guard case .malformedFile(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("100 bytes, expected 112"))
        }
    }

    /// The residual family with its BATCH_TO_SPACE_ND operator codes rewritten to
    /// RESHAPE: a convolution over SPACE_TO_BATCH_ND phases that are never joined
    /// again is refused, naming the convolution, rather than read as a dilated one.
    @Test func phasesNeverJoinedAreRefused() throws {
        var bytes = Self.bytes("family_residual_int8.tflite")
        let root = try FlatBufferReader(bytes: bytes, path: "x").root()
        var patched = 0
        for code in try root.tables(1) where try code.i32(3) == 37 || Int32(Int8(bitPattern: try code.u8(0))) == 37 {
            if let at = try code.field(0, size: 1) { bytes[at] = 22 }  // deprecated_builtin_code: RESHAPE
            if let at3 = try code.field(3, size: 4) { bytes[at3] = 22 }
            patched += 1
        }
        try #require(patched == 1)
        do {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "x.tflite")
            Issue.record("a convolution over unjoined phases was accepted")
        } catch {
            guard case .unsupportedAttribute(let node, let reason) = error else { Issue.record("\(error)"); return }
            #expect(node.hasPrefix("residual_1/conv1d") && node.contains("convolution"), "\(node)")
            #expect(reason.contains("BATCH_TO_SPACE_ND with block 2"), "\(reason)")
        }
    }

    /// An operator code rewritten to TOPK_V2 (48), which Vigil does not import.
    @Test func unsupportedOpIsNamed() throws {
        var bytes = Self.bytes("design_int8.tflite")
        let reader = FlatBufferReader(bytes: bytes, path: "x")
        let root = try reader.root()
        let softmaxCode = try root.tables(1).first { try $0.i32(3) == 25 || Int32(Int8(bitPattern: try $0.u8(0))) == 25 }
        let code = try #require(softmaxCode)
        let at = try #require(try code.field(0, size: 1))
        bytes[at] = 48  // deprecated_builtin_code: TOPK_V2
        if let at3 = try code.field(3, size: 4) { bytes[at3] = 48 }
        do {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "x.tflite")
            Issue.record("an unsupported op was accepted")
        } catch {
            guard case .unsupportedOp(_, let type, let supported) = error else { Issue.record("\(error)"); return }
            #expect(type == "builtin operator 48")
            #expect(supported.contains("SOFTMAX"))
        }
    }

    /// The subgraph's input or output list naming tensor -1 (how an operator leaves an
    /// optional input out) is malformed, not a trap (found by FuzzTFLite in CI).
    @Test(arguments: [1, 2]) func subgraphEndpointMinusOneIsMalformed(slot: Int) throws {
        var bytes = Self.bytes("design_int8.tflite")
        let graph = try #require(try FlatBufferReader(bytes: bytes, path: "x").root().tables(2).first)
        let (count, start) = try #require(try graph.vector(slot, elementSize: 4))
        #expect(count >= 1)
        for b in 0..<4 { bytes[start + b] = 0xFF }
        do {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "x.tflite")
            Issue.record("tensor -1 was accepted as a subgraph \(slot == 1 ? "input" : "output")")
        } catch {
            guard case .malformedFile(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("tensor -1"), "\(reason)")
        }
    }

    /// Vigil axes of TFLite activation axes: the batch and the unit spatial axis of a 4-D
    /// [1, H, W, C] tensor have none (hand-derived from the layout rule of `vigilShape`).
    @Test func concatenationAxesMapToVigilAxes() {
        // [1, 1, W, C]: time along width; H dropped.
        #expect(TFLiteConverter.vigilAxis(0, of: [1, 1, 8, 4]) == nil)
        #expect(TFLiteConverter.vigilAxis(1, of: [1, 1, 8, 4]) == nil)
        #expect(TFLiteConverter.vigilAxis(2, of: [1, 1, 8, 4]) == 1)
        #expect(TFLiteConverter.vigilAxis(3, of: [1, 1, 8, 4]) == 2)
        #expect(TFLiteConverter.vigilAxis(-1, of: [1, 1, 8, 4]) == 2)
        // [1, H, 1, C]: time along height; W dropped.
        #expect(TFLiteConverter.vigilAxis(1, of: [1, 8, 1, 4]) == 1)
        #expect(TFLiteConverter.vigilAxis(2, of: [1, 8, 1, 4]) == nil)
        #expect(TFLiteConverter.vigilAxis(3, of: [1, 8, 1, 4]) == 2)
        // [1, W, C] keeps both.
        #expect(TFLiteConverter.vigilAxis(1, of: [1, 8, 4]) == 1)
        #expect(TFLiteConverter.vigilAxis(-1, of: [1, 8, 4]) == 2)
        #expect(TFLiteConverter.vigilAxis(3, of: [1, 8, 4]) == nil)
        #expect(TFLiteConverter.vigilAxis(-7, of: [1, 8, 4]) == nil)
        #expect(TFLiteConverter.vigilAxis(0, of: []) == nil)
    }

    /// Random byte corruption never traps: the import succeeds or throws.
    @Test func randomCorruptionNeverCrashes() {
        let original = Self.bytes("separable_int8.tflite")
        var g = SplitMix64(seed: 7)
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<4 { bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next()) }
            _ = try? TFLiteImporter.importModel(contentsOf: bytes, name: "fuzz.tflite")
        }
    }

    /// Rewrites the one int32 constant holding `old` to `new` (a converter-written model).
    static func patchingConstant(_ file: String, _ old: [Int32], _ new: [Int32], occurrence: Int = 0) throws -> [UInt8] {
        var bytes = Self.bytes(file)
        let pattern = old.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }
        let starts = (0...(bytes.count - pattern.count)).filter { Array(bytes[$0..<($0 + pattern.count)]) == pattern }
        try #require(starts.count > occurrence, "\(file) holds \(old) \(starts.count) times")
        let replacement = new.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }
        bytes.replaceSubrange(starts[occurrence]..<(starts[occurrence] + pattern.count), with: replacement)
        return bytes
    }

    static func refusalReason(_ bytes: [UInt8], node: String) -> String? {
        do {
            _ = try TFLiteImporter.importModel(contentsOf: bytes, name: "x.tflite")
            return nil
        } catch {
            guard case .unsupportedAttribute(let n, let reason) = error else { return "\(error)" }
            #expect(n.contains(node), "\(n)")
            return reason
        }
    }

    /// A TRANSPOSE that moves the batch (layout_int8's Permute, perm [0, 2, 1] made [1, 0, 2]).
    @Test func transposeOfTheBatchIsRefused() throws {
        let reason = Self.refusalReason(try Self.patchingConstant("layout_int8.tflite", [0, 2, 1], [1, 0, 2]), node: "permute")
        #expect(reason?.contains("keeping the batch first") == true, "\(reason ?? "imported")")
    }

    /// A STRIDED_SLICE whose stride is 0 (slice_int8's strides [1, 2, 1] made [1, 0, 1]).
    @Test func stridedSliceWithAZeroStrideIsRefused() throws {
        let reason = Self.refusalReason(try Self.patchingConstant("slice_int8.tflite", [1, 2, 1], [1, 0, 1]), node: "strided_slice")
        #expect(reason?.contains("stride 0") == true, "\(reason ?? "imported")")
    }

    /// A STRIDED_SLICE that does not keep the batch whole: slice_int8's strides [1, 2, 1]
    /// made [-1, 2, 1] read the batch axis backwards from 0 to 1, which takes no item.
    @Test func stridedSliceOfTheBatchIsRefused() throws {
        let reason = Self.refusalReason(try Self.patchingConstant("slice_int8.tflite", [1, 2, 1], [-1, 2, 1]), node: "strided_slice")
        #expect(reason?.contains("of the batch axis") == true, "\(reason ?? "imported")")
    }
}
