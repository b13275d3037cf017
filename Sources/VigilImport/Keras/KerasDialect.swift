import VigilRuntime

/// What differs between the Keras versions that wrote a file.
struct KerasDialect: Sendable, Equatable {
    /// The `keras_version` the file records ("3.15.1", "2.21.0"); empty if none.
    var version: String

    /// Major version; files without a version predate Keras 3.
    var major: Int {
        Int(version.split(separator: ".").first ?? "") ?? 2
    }

    /// Keras 3's hard_sigmoid is relu6(x + 3) / 6; Keras 2 (tf.keras, tf_keras)
    /// used the steeper 0.2·x + 0.5, clipped to [0, 1].
    var hardSigmoid: Activation {
        major >= 3 ? .hardSigmoid(alpha: 1.0 / 6.0, beta: 0.5) : .hardSigmoid(alpha: 0.2, beta: 0.5)
    }
}
