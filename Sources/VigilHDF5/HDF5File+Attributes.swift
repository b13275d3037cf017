@preconcurrency import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Attribute reads for files other programs wrote, where the attribute's type is
/// not known in advance. Keras, for one, writes an empty `weight_names` list as a
/// zero-length float64 array rather than as strings, and h5py writes strings with
/// either character set.
extension HDF5File {
    /// True when `object` exists and carries an attribute called `name`.
    public func hasAttribute(_ name: String, of object: String = "/") -> Bool {
        guard exists(object) else { return false }
        return H5Aexists_by_name(id, object, name, hid_t(0)) > 0
    }

    /// The strings of a string attribute (a scalar gives one), read in the stored
    /// type itself: variable- or fixed-length, ASCII or UTF-8. An empty array of any
    /// type reads as no strings.
    ///
    /// Reading in the stored type avoids a character-set conversion that libhdf5
    /// 1.10 refuses on threads other than the main one ("no appropriate function for
    /// conversion path" for ASCII → UTF-8 variable-length strings).
    public func storedStrings(_ name: String, of object: String = "/") throws(HDF5Error) -> [String] {
        let label = object + "@" + name
        let a = try openAttributeForReading(name, of: object)
        defer { H5Aclose(a) }
        let count = try elementCount(of: a, label: label)
        if count == 0 { return [] }
        let fileType = H5Aget_type(a)
        guard fileType >= 0 else { throw .failed(file: path, object: label, operation: "reading attribute type") }
        defer { H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw .typeMismatch(file: path, object: label, expected: "strings", found: "type class \(H5Tget_class(fileType).rawValue)")
        }
        let memType = H5Tcopy(fileType)
        guard memType >= 0 else { throw .failed(file: path, object: label, operation: "copying attribute type") }
        defer { H5Tclose(memType) }

        if H5Tis_variable_str(fileType) > 0 {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { H5Aread(a, memType, $0.baseAddress) }
            guard status >= 0 else { throw .failed(file: path, object: label, operation: "reading strings") }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            let space = H5Aget_space(a)
            if space >= 0 {
                _ = pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(memType, space, hid_t(0), $0.baseAddress) }
                H5Sclose(space)
            }
            return strings
        }
        let size = H5Tget_size(fileType)
        guard size > 0, size <= (1 << 30) / count else { throw .failed(file: path, object: label, operation: "sizing strings") }
        var buffer = [UInt8](repeating: 0, count: count * size)
        let status = buffer.withUnsafeMutableBytes { H5Aread(a, memType, $0.baseAddress) }
        guard status >= 0 else { throw .failed(file: path, object: label, operation: "reading strings") }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        return (0..<count).map { i in
            var bytes = Array(buffer[(i * size)..<((i + 1) * size)].prefix { $0 != 0 })
            if spacePadded { while bytes.last == 0x20 { bytes.removeLast() } }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private func openAttributeForReading(_ name: String, of object: String) throws(HDF5Error) -> hid_t {
        guard hasAttribute(name, of: object) else { throw .notFound(file: path, object: object + "@" + name) }
        let a = H5Aopen_by_name(id, object, name, hid_t(0), hid_t(0))
        guard a >= 0 else { throw .failed(file: path, object: object + "@" + name, operation: "opening attribute") }
        return a
    }

    private func elementCount(of attribute: hid_t, label: String) throws(HDF5Error) -> Int {
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw .failed(file: path, object: label, operation: "reading attribute shape") }
        defer { H5Sclose(space) }
        let count = H5Sget_simple_extent_npoints(space)
        guard count >= 0 else { throw .failed(file: path, object: label, operation: "reading attribute shape") }
        return Int(count)
    }
}
