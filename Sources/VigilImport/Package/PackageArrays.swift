import VigilNumPy
import VigilRuntime

/// NumPy arrays in and out of a package, in the source framework's layout: what
/// `vigil run`, `vigil import --check` and the quantizer's data loading share.
public enum PackageArrays {
    /// Reorders an array's elements between framework and runtime layouts; nil when
    /// the shape does not fit the layout.
    public static func rearrange(_ array: NumPyArray, _ layout: TensorLayout, toVigil: Bool) -> NumPyArray? {
        if layout.isNative { return array }
        let size = array.dtype.byteSize
        let elements = (0..<array.elementCount).map { Array(array.bytes[($0 * size)..<(($0 + 1) * size)]) }
        let shape = toVigil ? layout.storedShape(frameworkShape: array.shape) : layout.frameworkShape(storedShape: array.shape)
        let moved = toVigil ? layout.toVigil(elements, frameworkShape: array.shape) : layout.toFramework(elements, storedShape: array.shape)
        guard let shape, let moved else { return nil }
        return NumPyArray(dtype: array.dtype, shape: shape, bytes: moved.flatMap { $0 })
    }

    /// The NumPy element type of a runtime element type.
    public static func dtype(_ d: DType) -> NumPyArray.DType {
        switch d {
        case .float32: return .float32
        case .int8: return .int8
        case .int32: return .int32
        case .int16: return .int16
        case .int64: return .int64
        case .uint8: return .uint8
        case .uint16: return .uint16
        case .uint32: return .uint32
        case .uint64: return .uint64
        case .bool: return .bool
        }
    }

    /// Checks an array in the framework's layout against graph input `index` and
    /// returns it in the runtime's layout, with its batch size. `source` names the
    /// array in messages.
    public static func prepare(_ array: NumPyArray, for package: ModelPackage, input index: Int, source: String) throws(PackageDataError) -> (NumPyArray, batch: Int) {
        let tensor = package.graph.tensors[package.graph.inputs[index]]
        let layout = try PackageLayouts.layout(of: package, .input, index, rank: tensor.shape.count + 1)
        guard let native = rearrange(array, layout, toVigil: true) else {
            throw PackageDataError("\(source): shape \(array.shape) does not fit input '\(tensor.name)' in its framework layout (\(layout))")
        }
        if native.dtype != dtype(tensor.dtype) {
            throw PackageDataError("\(source): dtype \(array.dtype.rawValue) does not match input '\(tensor.name)' (\(tensor.dtype.name))")
        }
        guard native.shape.count == tensor.shape.count + 1, Array(native.shape.dropFirst()) == tensor.shape, native.shape[0] >= 1 else {
            let expected = "[batch, " + tensor.shape.map(String.init).joined(separator: ", ") + "]"
            throw PackageDataError("\(source): shape \(array.shape) does not fit input '\(tensor.name)', which takes \(expected) in Vigil's layout (framework layout: \(layout))")
        }
        return (native, native.shape[0])
    }

    /// Runs the package's graph on `.npy` files, one per graph input, batch first;
    /// returns the outputs in the source framework's layout, named by tensor.
    public static func run<K: KernelSet>(_ package: ModelPackage, inputFiles paths: [String], kernels: K.Type) throws(PackageDataError) -> [(name: String, array: NumPyArray)] {
        try run(package, count: paths.count, kernels: kernels) { i throws(PackageDataError) in
            do { return (try NumPyArray.read(path: paths[i]), paths[i]) } catch { throw PackageDataError("\(error)") }
        }
    }

    /// Runs the package's graph on arrays, one per graph input, batch first, each with
    /// a name for messages; returns the outputs as `run(_:inputFiles:kernels:)` does.
    public static func run<K: KernelSet>(_ package: ModelPackage, inputs: [(array: NumPyArray, source: String)], kernels: K.Type) throws(PackageDataError) -> [(name: String, array: NumPyArray)] {
        try run(package, count: inputs.count, kernels: kernels) { i throws(PackageDataError) in inputs[i] }
    }

    /// Inputs come one at a time (read, then checked) so that messages follow the
    /// inputs' order.
    private static func run<K: KernelSet>(_ package: ModelPackage, count: Int, kernels: K.Type, input: (Int) throws(PackageDataError) -> (NumPyArray, String)) throws(PackageDataError) -> [(name: String, array: NumPyArray)] {
        let graph = package.graph
        if count != graph.inputs.count {
            throw PackageDataError("the model takes \(graph.inputs.count) input(s), \(count) given")
        }
        var arrays: [NumPyArray] = []
        var batch = 0
        for i in 0..<count {
            let (array, source) = try input(i)
            let (native, b) = try prepare(array, for: package, input: i, source: source)
            if batch != 0 && b != batch { throw PackageDataError("\(source): batch \(b) differs from the other inputs' \(batch)") }
            batch = b
            arrays.append(native)
        }
        let interpreter: Interpreter<K>
        // A graph without inputs (every output a constant) runs as one sample.
        do { interpreter = try Interpreter<K>(graph: graph, batch: max(batch, 1)) } catch { throw PackageDataError(error.message) }
        for (i, array) in arrays.enumerated() {
            let target = interpreter.inputBytes(i)
            array.bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        interpreter.invoke()
        var outputs: [(String, NumPyArray)] = []
        for (i, id) in graph.outputs.enumerated() {
            let tensor = graph.tensors[id]
            let bytes = Array(interpreter.outputBytes(i))
            // A constant output has no batch axis; its layout maps its own axes.
            let shape = tensor.isConstant ? tensor.shape : [max(batch, 1)] + tensor.shape
            let array = NumPyArray(dtype: dtype(tensor.dtype), shape: shape, bytes: bytes)
            let layout = try PackageLayouts.layout(of: package, .output, i, rank: shape.count)
            guard let framework = rearrange(array, layout, toVigil: false) else {
                throw PackageDataError("output '\(tensor.name)' cannot be put in its framework layout \(layout)")
            }
            outputs.append((tensor.name, framework))
        }
        return outputs
    }
}
