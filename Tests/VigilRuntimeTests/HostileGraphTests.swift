import Testing
import VigilRuntime

/// Graphs a hostile package could encode against the ops added with the integer
/// element types, N-d windows and data movement: each must be refused by validation
/// with a specific error before any kernel could read or write out of bounds.
struct HostileGraphTests {
    static func rejection(_ g: Graph) -> GraphError? {
        do { _ = try g.validated(); return nil } catch { return error }
    }

    /// Quantize compiles every input that is not int8 as float32: a 1- or 2-byte element
    /// type (uint8, int16, bool) would be read 4 bytes per element, past the end of its
    /// tensor, and int64 as garbage. Only float32 and int8 are accepted.
    @Test(arguments: [DType.uint8, .int16, .uint16, .bool, .int64, .uint32, .uint64])
    func quantizeReadsOnlyFloatOrInt8(dtype: DType) throws {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: dtype, shape: [8])
        var y = TensorDescriptor(name: "y", dtype: .int8, shape: [])
        y.quantization = QuantizationParameters(scale: 0.1, zeroPoint: 0)
        g.tensors.append(y)
        g.inputs = [x]
        g.nodes = [Node(name: "quantize", op: .quantize, inputs: [x], outputs: [1])]
        g.outputs = [1]
        guard case .typeMismatch(let node, let reason) = Self.rejection(g) else {
            Issue.record("a \(dtype.name) Quantize input was not refused as a type mismatch: \(String(describing: Self.rejection(g)))")
            return
        }
        #expect(node == "quantize")
        #expect(reason.contains(dtype.name))
        // Validation is what stands between the graph and the kernel.
        #expect(throws: GraphError.self) { _ = try Interpreter<PortableKernels>(graph: g) }
    }
}
