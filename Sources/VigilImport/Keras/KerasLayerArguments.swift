import VigilRuntime

/// Typed reads of a layer's arguments. A missing key takes Keras' default where the
/// caller gives one; a value of the wrong kind is an error that names the layer.
extension KerasLayer {
    /// Whether an `axis` argument (an integer or a one-element list, the batch being
    /// axis 0) names the last axis of an input of `rank` per-sample axes.
    static func namesLastAxis(_ axis: KerasJSON, rank: Int) -> Bool {
        let axes = axis.array ?? [axis]
        guard axes.count == 1, let a = axes[0].int else { return false }
        return a == -1 || a == rank
    }

    func value(_ key: String) -> KerasJSON? {
        guard let v = config[key], !v.isNull else { return nil }
        return v
    }

    /// An integer argument; Keras stores 1-D sizes as one-element lists (`[3]`).
    func int(_ key: String, default fallback: Int? = nil) throws(ImportError) -> Int {
        guard let v = value(key) else {
            if let fallback { return fallback }
            throw .unsupportedAttribute(node: name, reason: "\(className) argument '\(key)' is missing")
        }
        guard let i = v.scalarInt else { throw .unsupportedAttribute(node: name, reason: "\(className) argument '\(key)' = \(v) is not one integer") }
        if abs(i) > Self.largestInteger {
            throw .unsupportedAttribute(node: name, reason: "\(className) argument '\(key)' = \(i) is implausibly large")
        }
        return i
    }

    /// Sizes, strides, paddings and axes beyond this are rejected: no 1-D model on a
    /// device comes near it, and it keeps every shape computation far from overflow.
    static let largestInteger = 1 << 24

    func float(_ key: String, default fallback: Float? = nil) throws(ImportError) -> Float {
        guard let v = value(key) else {
            if let fallback { return fallback }
            throw .unsupportedAttribute(node: name, reason: "\(className) argument '\(key)' is missing")
        }
        guard let d = v.double ?? (v.array?.count == 1 ? v.array?[0].double : nil), d.isFinite else {
            throw .unsupportedAttribute(node: name, reason: "\(className) argument '\(key)' = \(v) is not a finite number")
        }
        return Float(d)
    }

    /// A number argument that may be null (ReLU's `max_value`).
    func optionalFloat(_ key: String) throws(ImportError) -> Float? {
        value(key) == nil ? nil : try float(key)
    }

    func bool(_ key: String, default fallback: Bool) throws(ImportError) -> Bool {
        guard let v = value(key) else { return fallback }
        guard let b = v.bool else { throw .unsupportedAttribute(node: name, reason: "\(className) argument '\(key)' = \(v) is not a boolean") }
        return b
    }

    func string(_ key: String, default fallback: String) throws(ImportError) -> String {
        guard let v = value(key) else { return fallback }
        guard let s = v.string else { throw .unsupportedAttribute(node: name, reason: "\(className) argument '\(key)' = \(v) is not a string") }
        return s
    }

    /// A flag Vigil cannot honour when set (LSTM `return_state`, `stateful`, …).
    func requireFalse(_ key: String, because reason: String) throws(ImportError) {
        if try bool(key, default: false) {
            throw .unsupportedAttribute(node: name, reason: "\(className) with \(key)=True: \(reason)")
        }
    }

    /// Vigil stores signals channels-last; a channels-first layer would need a
    /// transpose at run time.
    func requireChannelsLast() throws(ImportError) {
        let format = try string("data_format", default: "channels_last")
        if format != "channels_last" {
            throw .unsupportedAttribute(node: name, reason: "\(className) with data_format='\(format)': Vigil runs channels-last (batch, time, channels) models only; rebuild the model with data_format='channels_last'")
        }
    }

    /// Float32 layers only (mixed-precision policies keep float32 variables and are
    /// computed in float32 here); quantized policies carry int8 kernels.
    func requireFloatPolicy() throws(ImportError) {
        guard let dtype = value("dtype") else { return }
        let policy = dtype.string ?? dtype["config"]?["name"]?.string ?? ""
        let className = dtype["class_name"]?.string ?? ""
        if className.contains("Quantized") || !["float32", "mixed_float16", "mixed_bfloat16"].contains(policy) {
            throw .unsupportedAttribute(node: name, reason: "dtype policy \(dtype): Vigil imports float32 models (quantize with vigil quantize instead)")
        }
    }

    /// `padding` of a window layer.
    func padding(allowCausal: Bool) throws(ImportError) -> Padding {
        let value = try string("padding", default: "valid").lowercased()
        switch value {
        case "valid": return .valid
        case "same": return .same
        case "causal" where allowCausal: return .causal
        default: throw .unsupportedAttribute(node: name, reason: "\(className) padding '\(value)' is not supported")
        }
    }

    func activation(_ key: String = "activation", dialect: KerasDialect) throws(ImportError) -> KerasActivation {
        try KerasActivation(value(key), layer: name, argument: key, dialect: dialect)
    }
}
