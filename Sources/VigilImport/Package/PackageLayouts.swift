import VigilRuntime

/// How a package records the source framework's axis order of each graph input and
/// output, so that host tools exchange data in the framework's layout (an ONNX model's
/// channels-first [N, C, L] against Vigil's channels-last [N, L, C]): the layouts are
/// part of the package's typed input contract (`InputContract.Binding.layout`).
public enum PackageLayouts {
    public enum Role: String, Sendable {
        case input, output
    }

    /// A contract that records an imported model's layouts and nothing else yet: every
    /// tensor plain values (`vigil quantize` states the signal roles).
    public static func contract(inputs: [TensorLayout], outputs: [TensorLayout]) -> InputContract {
        func binding(_ l: TensorLayout) -> InputContract.Binding {
            .init(role: .values, layout: .init(storedAxes: l.storedAxes, frameworkRank: l.frameworkRank))
        }
        return InputContract(inputs: inputs.map(binding), outputs: outputs.map(binding))
    }

    /// The layout of graph input or output `index` (a tensor of `rank` stored axes,
    /// batch included), from the package's contract.
    public static func layout(of package: ModelPackage, _ role: Role, _ index: Int, rank: Int) throws(PackageDataError) -> TensorLayout {
        let bindings = role == .input ? package.contract.inputs : package.contract.outputs
        guard bindings.indices.contains(index) else { return .native(rank: rank) }
        let l = bindings[index].layout
        // A constant output has no batch axis; an importer may record its layout
        // either way (the reader accepts both), and only a matching one applies.
        if l.storedAxes.count != rank { return .native(rank: rank) }
        return TensorLayout(storedAxes: l.storedAxes, frameworkRank: l.frameworkRank)
    }
}
