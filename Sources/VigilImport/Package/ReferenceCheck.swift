import VigilNumPy
import VigilRuntime

/// A package's outputs against a framework's own on the same inputs (`vigil import
/// --check`): the reference is an `.npz` with `input_0…` and `output_0…` in the
/// framework's layout.
public struct ReferenceCheck: Sendable {
    /// Output values compared.
    public var values: Int
    public var maxAbsoluteError: Double
    public var maxRelativeError: Double
    /// Values off by more than absoluteTolerance + relativeTolerance·|reference|, or NaN.
    public var failures: Int

    public var passed: Bool { failures == 0 }

    /// Runs `package` on the reference inputs with `kernels` and compares every output value.
    public static func compare<K: KernelSet>(_ package: ModelPackage, reference path: String, absoluteTolerance: Double, relativeTolerance: Double, kernels: K.Type) throws(PackageDataError) -> ReferenceCheck {
        let arrays: [(name: String, array: NumPyArray)]
        do { arrays = try NumPyArchive.read(path: path) } catch { throw PackageDataError("\(error)") }
        func named(_ prefix: String, _ count: Int) throws(PackageDataError) -> [NumPyArray] {
            var found: [NumPyArray] = []
            for i in 0..<count {
                guard let entry = arrays.first(where: { $0.name == "\(prefix)_\(i)" }) else {
                    throw PackageDataError("\(path): no array named \(prefix)_\(i) (have: \(arrays.map { $0.name }.joined(separator: ", ")))")
                }
                found.append(entry.array)
            }
            return found
        }
        let graph = package.graph
        let inputs = try named("input", graph.inputs.count)
        let expected = try named("output", graph.outputs.count)
        let outputs = try PackageArrays.run(package, inputs: inputs.enumerated().map { ($1, "\(path):input_\($0)") }, kernels: kernels)
        var check = ReferenceCheck(values: 0, maxAbsoluteError: 0, maxRelativeError: 0, failures: 0)
        for (i, (name, actual)) in outputs.enumerated() {
            guard actual.shape == expected[i].shape else {
                throw PackageDataError("output \(i) ('\(name)'): shape \(actual.shape), reference \(expected[i].shape)")
            }
            for (a, b) in zip(actual.doubles, expected[i].doubles) {
                let error = abs(a - b)
                check.maxAbsoluteError = max(check.maxAbsoluteError, error)
                check.maxRelativeError = max(check.maxRelativeError, error / max(abs(b), 1e-30))
                if error > absoluteTolerance + relativeTolerance * abs(b) || error.isNaN { check.failures += 1 }
                check.values += 1
            }
        }
        return check
    }
}
