/// Keras' own naming rules, reproduced so that the importer finds what Keras wrote.
enum KerasNaming {
    /// `keras.src.utils.naming.to_snake_case`: the `.keras` format files a layer's
    /// variables under the snake-cased class name ("SeparableConv1D" →
    /// "separable_conv1d", "ReLU" → "re_lu"), not under the layer's own name.
    ///
    /// Python: drop non-word characters, then `(.)([A-Z][a-z]+)` → `\1_\2`, then
    /// `([a-z])([A-Z])` → `\1_\2`, then lowercase.
    static func snakeCase(_ name: String) -> String {
        var chars = Array(name.unicodeScalars.filter { isWord($0) })
        chars = insertUnderscores(chars) { chars, i in
            // (.)([A-Z][a-z]+): any char at i, then an upper case letter and lower case run.
            guard i + 2 < chars.count, isUpper(chars[i + 1]), isLower(chars[i + 2]) else { return nil }
            var end = i + 3
            while end < chars.count && isLower(chars[end]) { end += 1 }
            return end
        }
        chars = insertUnderscores(chars) { chars, i in
            guard i + 1 < chars.count, isLower(chars[i]), isUpper(chars[i + 1]) else { return nil }
            return i + 2
        }
        var out = ""
        for c in chars {
            if isUpper(c), let lower = Unicode.Scalar(c.value + 32) { out.unicodeScalars.append(lower) } else { out.unicodeScalars.append(c) }
        }
        return out
    }

    /// `saving_lib._get_unique_name`: the first use of a name is bare, later ones get
    /// "_1", "_2", … in the order Keras visits the layers.
    struct UniqueNames {
        private var used: [String: Int] = [:]

        mutating func next(_ name: String) -> String {
            if let n = used[name] {
                used[name] = n + 1
                return "\(name)_\(n + 1)"
            }
            used[name] = 0
            return name
        }
    }

    /// One left-to-right pass of a regex substitution that puts "_" after the first
    /// character of each match: `match(chars, i)` returns the end of a match
    /// starting at i, and scanning resumes there, as `re.sub` does.
    private static func insertUnderscores(_ chars: [Unicode.Scalar], match: ([Unicode.Scalar], Int) -> Int?) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < chars.count {
            if let end = match(chars, i) {
                out.append(chars[i])
                out.append("_")
                out.append(contentsOf: chars[(i + 1)..<end])
                i = end
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }

    private static func isUpper(_ c: Unicode.Scalar) -> Bool { c.value >= 65 && c.value <= 90 }
    private static func isLower(_ c: Unicode.Scalar) -> Bool { c.value >= 97 && c.value <= 122 }
    private static func isWord(_ c: Unicode.Scalar) -> Bool {
        isUpper(c) || isLower(c) || (c.value >= 48 && c.value <= 57) || c == "_" || c.properties.isAlphabetic
    }
}
