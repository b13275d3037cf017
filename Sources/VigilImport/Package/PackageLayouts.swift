import VigilRuntime

/// How a package records the source framework's axis order of each graph input and
/// output, so that host tools exchange data in the framework's layout (an ONNX model's
/// channels-first [N, C, L] against Vigil's channels-last [N, L, C]).
///
/// Today the layouts are free-form manifest metadata, `input.0.layout = 0,2,1/3`
/// (`TensorLayout.storedAxes`, then the framework rank), absent when native. `record`
/// and `layout` are the only code that writes and reads those entries.
public enum PackageLayouts {
    public enum Role: String, Sendable {
        case input, output
    }

    /// Adds the non-native layouts of an imported model's inputs and outputs to `manifest`.
    public static func record(inputs: [TensorLayout], outputs: [TensorLayout], in manifest: inout Manifest) {
        for (role, layouts) in [(Role.input, inputs), (Role.output, outputs)] {
            for (i, layout) in layouts.enumerated() where !layout.isNative {
                manifest.metadata.append((key(role, i), layout.storedAxes.map(String.init).joined(separator: ",") + "/\(layout.frameworkRank)"))
            }
        }
    }

    /// The layout recorded for graph input or output `index` of a tensor with `rank`
    /// stored axes (batch included); native when the package records none.
    public static func layout(of package: ModelPackage, _ role: Role, _ index: Int, rank: Int) throws(PackageDataError) -> TensorLayout {
        let key = key(role, index)
        guard let text = package.manifest.value(for: key) else { return .native(rank: rank) }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let frameworkRank = Int(parts[1]) else {
            throw PackageDataError("package metadata \(key) = '\(text)' is malformed")
        }
        let axes = parts[0].split(separator: ",").compactMap { Int($0) }
        // Unit axes the framework does not see (-1) may repeat: an ONNX scalar is stored
        // after the unit batch axis as one more unit axis.
        let named = axes.filter { $0 >= 0 }
        guard axes.count == rank, axes.allSatisfy({ $0 >= -1 && $0 < frameworkRank }), Set(named).count == named.count else {
            throw PackageDataError("package metadata \(key) = '\(text)' does not fit a rank-\(rank) tensor")
        }
        return TensorLayout(storedAxes: axes, frameworkRank: frameworkRank)
    }

    private static func key(_ role: Role, _ index: Int) -> String {
        "\(role.rawValue).\(index).layout"
    }
}
