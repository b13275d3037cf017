/// Typed reads of a JSON object's members, each failure naming the role and the field.
struct Fields {
    let object: [String: JSONValue]
    let role: String
    let path: String

    init(_ value: JSONValue, role: String, path: String) throws(TUFError) {
        guard let o = value.object else { throw .malformed(role: role, reason: "\(path) is \(value.kind), not an object") }
        object = o
        self.role = role
        self.path = path
    }

    func fail(_ key: String, _ reason: String) -> TUFError { .malformed(role: role, reason: "\(path).\(key) \(reason)") }

    func value(_ key: String) throws(TUFError) -> JSONValue {
        guard let v = object[key] else { throw fail(key, "is missing") }
        return v
    }

    func string(_ key: String) throws(TUFError) -> String {
        let v = try value(key)
        guard let s = v.string else { throw fail(key, "is \(v.kind), not a string") }
        return s
    }

    func integer(_ key: String) throws(TUFError) -> Int64 {
        let v = try value(key)
        guard let i = v.integer else { throw fail(key, "is \(v.kind), not an integer") }
        return i
    }

    func optionalInteger(_ key: String) throws(TUFError) -> Int64? { object[key] == nil ? nil : try integer(key) }

    func bool(_ key: String) throws(TUFError) -> Bool {
        let v = try value(key)
        guard let b = v.bool else { throw fail(key, "is \(v.kind), not a boolean") }
        return b
    }

    func fields(_ key: String) throws(TUFError) -> Fields { try Fields(try value(key), role: role, path: "\(path).\(key)") }

    func array(_ key: String) throws(TUFError) -> [JSONValue] {
        let v = try value(key)
        guard let a = v.array else { throw fail(key, "is \(v.kind), not an array") }
        return a
    }

    func strings(_ key: String) throws(TUFError) -> [String] {
        var out: [String] = []
        for v in try array(key) {
            guard let s = v.string else { throw fail(key, "holds \(v.kind), not strings") }
            out.append(s)
        }
        return out
    }

    func stringMap(_ key: String) throws(TUFError) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in try fields(key).object {
            guard let s = v.string else { throw fail(key, "maps \"\(k)\" to \(v.kind), not a string") }
            out[k] = s
        }
        return out
    }

    /// The members other than `known`: kept so that a tool rewriting metadata does not
    /// drop fields a newer writer added.
    func unrecognized(_ known: Set<String>) -> [String: JSONValue] { object.filter { !known.contains($0.key) } }
}
