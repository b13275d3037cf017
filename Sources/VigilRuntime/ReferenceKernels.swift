/// Portable float kernels: straightforward loops that follow each op's definition.
/// They run on the device and are the oracle the optimized host kernels are tested
/// against.
///
/// Each op's kernels live in its file under `Ops/`; this file holds what they share.
public enum ReferenceKernels {
    @inlinable
    public static func apply(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .linear: return x
        case .relu: return x > 0 ? x : 0
        case .relu6: return x < 0 ? 0 : (x > 6 ? 6 : x)
        case .clip(let lo, let hi): return x < lo ? lo : (x > hi ? hi : x)
        case .leakyRelu(let alpha): return x >= 0 ? x : alpha * x
        case .sigmoid: return VMath.sigmoid(x)
        case .hardSigmoid(let alpha, let beta):
            let y = alpha * x + beta
            return y < 0 ? 0 : (y > 1 ? 1 : y)
        case .tanh: return VMath.tanh(x)
        }
    }
}
