/// One stored variable of a layer, read as float32 in its Keras layout.
struct KerasWeight: Sendable {
    /// "layer/variable", as error messages name it.
    var name: String
    var shape: [Int]
    var values: [Float]

    /// Throws unless the stored shape is `expected`; a wrong shape would otherwise
    /// surface later as a confusing graph error, or silently misread the values.
    func expectShape(_ expected: [Int], layer: String) throws(ImportError) {
        if shape != expected {
            throw .shapeMismatch(node: layer, reason: "weight '\(name)' has shape \(shape), the layer's config and input need \(expected)")
        }
    }
}

/// The variables a layer class stores, in the order Keras creates them (which is
/// the order of `vars/0, 1, …` in a `.keras` archive). Legacy HDF5 files name them
/// instead; `aliases` lists other spellings (tf.keras' DepthwiseConv1D calls its
/// kernel `depthwise_kernel`).
struct KerasWeightSpec: Sendable {
    var name: String
    var aliases: [String] = []

    func matches(_ stored: String) -> Bool { stored == name || aliases.contains(stored) }
}
