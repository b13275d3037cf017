import Foundation
import Testing
@testable import VigilImport
import VigilKernels
import VigilRuntime

/// One array of a fixture, in the framework's (ONNX's) axis order. Integer and boolean
/// data (`dtype` "int64", "bool"…; nil or a float type for float data) travel as
/// floats too, exact up to 2^24, which the fixtures' integers stay below.
struct FixtureArray: Decodable {
    var name: String
    var shape: [Int]
    var data: [Float]
    var dtype: String? = nil
}

/// Inputs and the outputs ONNX Runtime (or the ONNX node-test data) computed for them.
struct FixtureData: Decodable {
    var inputs: [FixtureArray]
    var outputs: [FixtureArray]

    static func load(_ url: URL) throws -> FixtureData {
        try JSONDecoder().decode(FixtureData.self, from: Data(contentsOf: url))
    }
}

enum ONNXFixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/onnx")
    }

    static func url(_ name: String, _ ext: String) -> URL {
        directory.appendingPathComponent(name).appendingPathExtension(ext)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name, "onnx")))
    }

    /// The error importing `model` after `edit` gives (nil when it imports): the bad-input
    /// cases edit a real fixture where what they test is.
    static func importError(_ model: Onnx_ModelProto, name: String, edit: (inout Onnx_ModelProto) -> Void) -> ImportError? {
        var edited = model
        edit(&edited)
        do {
            _ = try ONNXImporter.importModel(edited, name: name)
            return nil
        } catch {
            return error
        }
    }

    /// Imports fixture `name`.onnx and expects both kernel sets to reproduce the ONNX
    /// Runtime outputs in `name`.json within `ONNXImportTests`' tolerance.
    static func expectMatchesONNXRuntime(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let model = try ONNXImporter.importModel(contentsOf: bytes(name), name: name + ".onnx")
        let data = try FixtureData.load(url(name, "json"))
        let portable = try ModelRunner.run(model, inputs: data.inputs, kernels: PortableKernels.self)
        let portableProblems = ModelRunner.compare(portable, data.outputs, relative: ONNXImportTests.relative, absolute: ONNXImportTests.absolute)
        #expect(portableProblems == nil, "\(name), portable kernels:\n\(portableProblems ?? "")", sourceLocation: sourceLocation)
        let host = try ModelRunner.run(model, inputs: data.inputs, kernels: HostKernels.self)
        let hostProblems = ModelRunner.compare(host, data.outputs, relative: ONNXImportTests.relative, absolute: ONNXImportTests.absolute)
        #expect(hostProblems == nil, "\(name), host kernels:\n\(hostProblems ?? "")", sourceLocation: sourceLocation)
    }

    /// A graph input or output of element type `elemType` (1: float); nil dimensions
    /// are the symbolic batch "N".
    static func valueInfo(_ name: String, _ elemType: Int32, _ dims: [Int64?]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = d } else { dim.dimParam = "N" }
            return dim
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = elemType
        tensor.shape = shape
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }
}

/// Runs an imported model on framework-ordered inputs and returns framework-ordered
/// outputs, transposing at the boundary as each layout says.
enum ModelRunner {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run<K: KernelSet>(_ model: ImportedModel, inputs: [FixtureArray], kernels: K.Type) throws -> [FixtureArray] {
        let graph = model.graph
        guard graph.inputs.count == inputs.count else {
            throw Failure(description: "graph has \(graph.inputs.count) inputs, fixture \(inputs.count)")
        }
        var ordered: [FixtureArray] = []
        for id in graph.inputs {
            guard let input = inputs.first(where: { $0.name == graph.tensors[id].name }) ?? (inputs.count == 1 ? inputs.first : nil) else {
                throw Failure(description: "no fixture input for graph input '\(graph.tensors[id].name)'")
            }
            ordered.append(input)
        }
        // A batch-free model takes each framework tensor as one sample; a model without
        // inputs (constant outputs only) runs once.
        var batch = 1
        if let first = ordered.first, let layout = model.inputLayouts.first, !model.isBatchFree {
            guard layout.storedAxes[0] >= 0, layout.storedAxes[0] < first.shape.count else { throw Failure(description: "input '\(first.name)' has no batch axis") }
            batch = first.shape[layout.storedAxes[0]]
        }
        let interpreter = try Interpreter<K>(graph: graph, batch: batch)
        for (i, input) in ordered.enumerated() {
            guard let stored = model.inputLayouts[i].toVigil(input.data, frameworkShape: input.shape) else {
                throw Failure(description: "input '\(input.name)' of shape \(input.shape) does not fit layout \(model.inputLayouts[i])")
            }
            let tensor = graph.tensors[graph.inputs[i]]
            if let dtype = input.dtype, integerTypes.contains(dtype) || dtype == "bool", tensor.dtype.name != dtype {
                throw Failure(description: "input '\(input.name)' is \(dtype), the graph takes \(tensor.dtype.name)")
            }
            let bytes = interpreter.inputBytes(i)
            guard bytes.count == stored.count * tensor.dtype.byteSize else {
                throw Failure(description: "input '\(input.name)': arena holds \(bytes.count) bytes, fixture \(stored.count) \(tensor.dtype.name) values")
            }
            try write(stored, to: bytes, as: tensor.dtype)
        }
        interpreter.invoke()
        var outputs: [FixtureArray] = []
        for (i, id) in graph.outputs.enumerated() {
            let tensor = graph.tensors[id]
            // A constant output has no batch axis.
            let storedShape = tensor.isConstant ? tensor.shape : [batch] + tensor.shape
            let values = read(interpreter.outputBytes(i), as: tensor.dtype)
            guard let shape = model.outputLayouts[i].frameworkShape(storedShape: storedShape),
                  let framework = model.outputLayouts[i].toFramework(values, storedShape: storedShape) else {
                throw Failure(description: "output \(i) of stored shape \(storedShape) does not fit layout \(model.outputLayouts[i])")
            }
            outputs.append(FixtureArray(name: graph.tensors[id].name, shape: shape, data: framework, dtype: tensor.dtype.name))
        }
        return outputs
    }

    static let integerTypes: Set<String> = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]

    /// Stores values as `dtype`; integer values must be whole and in the type's range.
    static func write(_ values: [Float], to bytes: UnsafeMutableRawBufferPointer, as dtype: DType) throws {
        func store<T: FixedWidthInteger>(_: T.Type) throws {
            for (i, v) in values.enumerated() {
                guard let x = T(exactly: v) else { throw Failure(description: "\(v) is not a \(dtype.name) value") }
                bytes.storeBytes(of: x, toByteOffset: i * MemoryLayout<T>.size, as: T.self)
            }
        }
        switch dtype {
        case .float32: for (i, v) in values.enumerated() { bytes.storeBytes(of: v, toByteOffset: 4 * i, as: Float.self) }
        case .int8: try store(Int8.self)
        case .int16: try store(Int16.self)
        case .int32: try store(Int32.self)
        case .int64: try store(Int64.self)
        case .uint8, .bool: try store(UInt8.self)
        case .uint16: try store(UInt16.self)
        case .uint32: try store(UInt32.self)
        case .uint64: try store(UInt64.self)
        }
    }

    static func read(_ bytes: UnsafeRawBufferPointer, as dtype: DType) -> [Float] {
        func load<T: BinaryInteger>(_: T.Type) -> [Float] {
            (0..<(bytes.count / MemoryLayout<T>.size)).map { Float(bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
        }
        switch dtype {
        case .float32: return (0..<(bytes.count / 4)).map { bytes.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        case .int8: return load(Int8.self)
        case .int16: return load(Int16.self)
        case .int32: return load(Int32.self)
        case .int64: return load(Int64.self)
        case .uint8, .bool: return load(UInt8.self)
        case .uint16: return load(UInt16.self)
        case .uint32: return load(UInt32.self)
        case .uint64: return load(UInt64.self)
        }
    }

    /// Element-wise |got − want| ≤ absolute + relative·|want|; nil when all match,
    /// else a description of the worst mismatches.
    static func compare(_ got: [FixtureArray], _ want: [FixtureArray], relative: Float, absolute: Float) -> String? {
        guard got.count == want.count else { return "\(got.count) outputs, expected \(want.count)" }
        var problems: [String] = []
        for (g, w) in zip(got, want) {
            if let expected = w.dtype, integerTypes.contains(expected) || expected == "bool", let actual = g.dtype, actual != expected {
                problems.append("output '\(w.name)': element type \(actual), expected \(expected)")
                continue
            }
            // Unit axes may be dropped or kept by either side (a [N] vs [N, 1] output).
            if g.shape.filter({ $0 != 1 }) != w.shape.filter({ $0 != 1 }) || g.data.count != w.data.count {
                problems.append("output '\(w.name)': shape \(g.shape), expected \(w.shape)")
                continue
            }
            var bad = 0
            for i in g.data.indices {
                let (a, b) = (g.data[i], w.data[i])
                if a.isNaN && b.isNaN { continue }
                if a == b { continue }
                if !(abs(a - b) <= absolute + relative * abs(b)) {
                    if bad < 4 { problems.append("output '\(w.name)' [\(i)]: got \(a), expected \(b)") }
                    bad += 1
                }
            }
            if bad > 4 { problems.append("… \(bad) mismatches in '\(w.name)'") }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "\n")
    }
}
