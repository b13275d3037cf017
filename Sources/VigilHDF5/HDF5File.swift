// `@preconcurrency`: the library's predefined types are C globals (`H5T_NATIVE_FLOAT_g`, …)
// that Swift 6 would otherwise reject as shared mutable state. They are written once,
// by `H5open()`, before any read.
@preconcurrency import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open HDF5 file. Writing: `create`, then groups, datasets and attributes
/// by absolute path ("/beats/windows"). Reading: `open`, then `read`,
/// `readStrings`, attributes and `children` to walk groups (what a Keras
/// `.h5` importer needs). A class so the file is closed when the last reference goes.
public final class HDF5File {
    public let path: String
    let id: hid_t

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    deinit { H5Fclose(id) }

    /// Creates (or truncates) a file for writing.
    public static func create(_ path: String) throws(HDF5Error) -> HDF5File {
        silenceLibraryErrors()
        let id = H5Fcreate(path, UInt32(2) /* H5F_ACC_TRUNC */, hid_t(0), hid_t(0))
        guard id >= 0 else { throw .cannotCreate(file: path) }
        return HDF5File(path: path, id: id)
    }

    /// Opens an existing file read-only.
    public static func open(_ path: String) throws(HDF5Error) -> HDF5File {
        silenceLibraryErrors()
        let id = H5Fopen(path, UInt32(0) /* H5F_ACC_RDONLY */, hid_t(0))
        guard id >= 0 else { throw .cannotOpen(file: path) }
        return HDF5File(path: path, id: id)
    }

    /// The library prints its error stack by default; errors here are reported as `HDF5Error` instead.
    private static func silenceLibraryErrors() {
        libraryReady()
        H5Eset_auto2(hid_t(0), nil, nil)
    }

    // MARK: Groups and objects

    /// Creates a group (and its missing parents).
    public func createGroup(_ group: String) throws(HDF5Error) {
        let lcpl = H5Pcreate(H5P_CLS_LINK_CREATE_ID_g)
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        let g = H5Gcreate2(id, group, lcpl, hid_t(0), hid_t(0))
        guard g >= 0 else { throw .failed(file: path, object: group, operation: "creating group") }
        H5Gclose(g)
    }

    /// True when `object` (a group or dataset path) exists.
    public func exists(_ object: String) -> Bool {
        if object == "/" { return true }
        var prefix = ""
        for part in object.split(separator: "/") {
            prefix += "/" + part
            if H5Lexists(id, prefix, hid_t(0)) <= 0 { return false }
        }
        return H5Oexists_by_name(id, object, hid_t(0)) > 0
    }

    /// Names of the members of a group, in name order.
    public func children(of group: String) throws(HDF5Error) -> [String] {
        guard exists(group) else { throw .notFound(file: path, object: group) }
        let g = H5Gopen2(id, group, hid_t(0))
        guard g >= 0 else { throw .typeMismatch(file: path, object: group, expected: "group", found: "another object") }
        defer { H5Gclose(g) }
        var info = H5G_info_t()
        guard H5Gget_info(g, &info) >= 0 else { throw .failed(file: path, object: group, operation: "listing group") }
        var names: [String] = []
        for i in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, hid_t(0))
            guard length >= 0 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, Int(length) + 1, hid_t(0))
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// True when `object` is a group.
    public func isGroup(_ object: String) -> Bool {
        guard exists(object) else { return false }
        var info = H5O_info_t()
        guard H5Oget_info_by_name1(id, object, &info, hid_t(0)) >= 0 else { return false }
        return info.type == H5O_TYPE_GROUP
    }

    // MARK: Numeric datasets

    /// Writes an n-d dataset of `values` (row-major) with `shape`. Large
    /// datasets are chunked along the first axis and gzip-compressed (level `compression`, 0 = off).
    public func write<T: HDF5Element>(_ values: [T], shape: [Int], to dataset: String, compression: Int = 4) throws(HDF5Error) {
        guard shape.reduce(1, *) == values.count, !shape.isEmpty else {
            throw .shapeMismatch(file: path, object: dataset, shape: shape, valueCount: values.count)
        }
        try ensureParent(of: dataset)
        var dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(H5P_CLS_DATASET_CREATE_ID_g)
        defer { H5Pclose(dcpl) }
        if compression > 0 && values.count >= 4096 && shape[0] > 0 {
            var chunk = dims
            let rowSize = max(1, values.count / shape[0])
            chunk[0] = hsize_t(max(1, min(shape[0], (1 << 18) / rowSize)))
            H5Pset_chunk(dcpl, Int32(chunk.count), &chunk)
            H5Pset_deflate(dcpl, UInt32(min(compression, 9)))
        }
        let d = H5Dcreate2(id, dataset, T.nativeType, space, hid_t(0), dcpl, hid_t(0))
        guard d >= 0 else { throw .failed(file: path, object: dataset, operation: "creating dataset") }
        defer { H5Dclose(d) }
        let status = values.withUnsafeBytes { H5Dwrite(d, T.nativeType, hid_t(0), hid_t(0), hid_t(0), $0.baseAddress) }
        guard status >= 0 else { throw .failed(file: path, object: dataset, operation: "writing dataset") }
    }

    /// Reads a whole numeric dataset, converting from the stored type to `T`
    /// (HDF5 converts between numeric types; a string dataset is a type mismatch).
    public func read<T: HDF5Element>(_ dataset: String, as type: T.Type = T.self) throws(HDF5Error) -> (shape: [Int], values: [T]) {
        let d = try openDataset(dataset)
        defer { H5Dclose(d) }
        let fileType = H5Dget_type(d)
        defer { H5Tclose(fileType) }
        let typeClass = H5Tget_class(fileType)
        guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else {
            throw .typeMismatch(file: path, object: dataset, expected: T.typeName, found: Self.className(typeClass))
        }
        let shape = try datasetShape(d, dataset)
        var values = [T](repeating: T(), count: shape.reduce(1, *))
        let status = values.withUnsafeMutableBytes { H5Dread(d, T.nativeType, hid_t(0), hid_t(0), hid_t(0), $0.baseAddress) }
        guard status >= 0 else { throw .failed(file: path, object: dataset, operation: "reading dataset") }
        return (shape, values)
    }

    /// Shape of a dataset without reading it.
    public func shape(of dataset: String) throws(HDF5Error) -> [Int] {
        let d = try openDataset(dataset)
        defer { H5Dclose(d) }
        return try datasetShape(d, dataset)
    }

    // MARK: String datasets

    /// Writes a 1-d dataset of variable-length UTF-8 strings (h5py reads them as `str`/`bytes`).
    public func writeStrings(_ strings: [String], to dataset: String) throws(HDF5Error) {
        try ensureParent(of: dataset)
        let type = Self.variableStringType()
        defer { H5Tclose(type) }
        var dims = [hsize_t(strings.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let d = H5Dcreate2(id, dataset, type, space, hid_t(0), hid_t(0), hid_t(0))
        guard d >= 0 else { throw .failed(file: path, object: dataset, operation: "creating string dataset") }
        defer { H5Dclose(d) }
        let status = Self.withCStrings(strings) { pointers in H5Dwrite(d, type, hid_t(0), hid_t(0), hid_t(0), pointers) }
        guard status >= 0 else { throw .failed(file: path, object: dataset, operation: "writing string dataset") }
    }

    /// Reads a 1-d string dataset, variable- or fixed-length.
    public func readStrings(_ dataset: String) throws(HDF5Error) -> [String] {
        let d = try openDataset(dataset)
        defer { H5Dclose(d) }
        let fileType = H5Dget_type(d)
        defer { H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw .typeMismatch(file: path, object: dataset, expected: "strings", found: Self.className(H5Tget_class(fileType)))
        }
        let count = try datasetShape(d, dataset).reduce(1, *)
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        return try readStringValues(count: count, fileType: fileType, object: dataset) { memType, buffer in
            H5Dread(d, memType, hid_t(0), hid_t(0), hid_t(0), buffer)
        } reclaim: { memType, buffer in
            H5Dvlen_reclaim(memType, space, hid_t(0), buffer)
        }
    }

    // MARK: Attributes

    public func setAttribute(_ name: String, string value: String, on object: String = "/") throws(HDF5Error) {
        let type = Self.variableStringType()
        defer { H5Tclose(type) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        try withAttribute(name, on: object, type: type, space: space) { attribute in
            Self.withCStrings([value]) { pointers in H5Awrite(attribute, type, pointers) }
        }
    }

    public func setAttribute<T: HDF5Element>(_ name: String, values: [T], on object: String = "/") throws(HDF5Error) {
        var dims = [hsize_t(values.count)]
        let space = values.count == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        try withAttribute(name, on: object, type: T.nativeType, space: space) { attribute in
            values.withUnsafeBytes { H5Awrite(attribute, T.nativeType, $0.baseAddress) }
        }
    }

    public func setAttribute<T: HDF5Element>(_ name: String, value: T, on object: String = "/") throws(HDF5Error) {
        try setAttribute(name, values: [value], on: object)
    }

    /// Names of the attributes of an object.
    public func attributeNames(of object: String = "/") throws(HDF5Error) -> [String] {
        let o = try openObject(object)
        defer { H5Oclose(o) }
        var info = H5O_info_t()
        guard H5Oget_info2(o, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else { throw .failed(file: path, object: object, operation: "listing attributes") }
        var names: [String] = []
        for i in 0..<info.num_attrs {
            let length = H5Aget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, hid_t(0))
            guard length >= 0 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Aget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, Int(length) + 1, hid_t(0))
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// A string attribute (scalar or the first element), variable- or fixed-length.
    public func stringAttribute(_ name: String, of object: String = "/") throws(HDF5Error) -> String {
        try stringsAttribute(name, of: object).first ?? ""
    }

    /// All strings of a string attribute (Keras stores layer names this way).
    public func stringsAttribute(_ name: String, of object: String = "/") throws(HDF5Error) -> [String] {
        try storedStrings(name, of: object)
    }

    /// A numeric attribute, converted to `T`.
    public func numericAttribute<T: HDF5Element>(_ name: String, of object: String = "/", as type: T.Type = T.self) throws(HDF5Error) -> [T] {
        let a = try openAttribute(name, of: object)
        defer { H5Aclose(a) }
        let fileType = H5Aget_type(a)
        defer { H5Tclose(fileType) }
        let typeClass = H5Tget_class(fileType)
        guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else {
            throw .typeMismatch(file: path, object: object + "@" + name, expected: T.typeName, found: Self.className(typeClass))
        }
        let space = H5Aget_space(a)
        defer { H5Sclose(space) }
        var values = [T](repeating: T(), count: max(1, Int(H5Sget_simple_extent_npoints(space))))
        let status = values.withUnsafeMutableBytes { H5Aread(a, T.nativeType, $0.baseAddress) }
        guard status >= 0 else { throw .failed(file: path, object: object + "@" + name, operation: "reading attribute") }
        return values
    }

    // MARK: Internals

    private func ensureParent(of object: String) throws(HDF5Error) {
        guard let slash = object.lastIndex(of: "/"), slash != object.startIndex else { return }
        let parent = String(object[..<slash])
        if !exists(parent) { try createGroup(parent) }
    }

    private func openDataset(_ dataset: String) throws(HDF5Error) -> hid_t {
        guard exists(dataset) else { throw .notFound(file: path, object: dataset) }
        let d = H5Dopen2(id, dataset, hid_t(0))
        guard d >= 0 else { throw .typeMismatch(file: path, object: dataset, expected: "dataset", found: "another object") }
        return d
    }

    private func openObject(_ object: String) throws(HDF5Error) -> hid_t {
        guard exists(object) else { throw .notFound(file: path, object: object) }
        let o = H5Oopen(id, object, hid_t(0))
        guard o >= 0 else { throw .failed(file: path, object: object, operation: "opening object") }
        return o
    }

    private func openAttribute(_ name: String, of object: String) throws(HDF5Error) -> hid_t {
        guard exists(object) else { throw .notFound(file: path, object: object) }
        guard H5Aexists_by_name(id, object, name, hid_t(0)) > 0 else { throw .notFound(file: path, object: object + "@" + name) }
        let a = H5Aopen_by_name(id, object, name, hid_t(0), hid_t(0))
        guard a >= 0 else { throw .failed(file: path, object: object + "@" + name, operation: "opening attribute") }
        return a
    }

    private func withAttribute(_ name: String, on object: String, type: hid_t, space: hid_t,
                               _ body: (hid_t) -> herr_t) throws(HDF5Error) {
        let o = try openObject(object)
        defer { H5Oclose(o) }
        if H5Aexists(o, name) > 0 { H5Adelete(o, name) }
        let a = H5Acreate2(o, name, type, space, hid_t(0), hid_t(0))
        guard a >= 0 else { throw .failed(file: path, object: object + "@" + name, operation: "creating attribute") }
        defer { H5Aclose(a) }
        guard body(a) >= 0 else { throw .failed(file: path, object: object + "@" + name, operation: "writing attribute") }
    }

    private func datasetShape(_ d: hid_t, _ dataset: String) throws(HDF5Error) -> [Int] {
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw .failed(file: path, object: dataset, operation: "reading shape") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        return rank == 0 ? [] : dims.map { Int($0) }
    }

    private func readStringValues(count: Int, fileType: hid_t, object: String,
                                  read: (hid_t, UnsafeMutableRawPointer?) -> herr_t,
                                  reclaim: (hid_t, UnsafeMutableRawPointer?) -> herr_t) throws(HDF5Error) -> [String] {
        // Strings are read in their stored type: a character-set conversion (ASCII →
        // UTF-8, as Keras files need) is refused by libhdf5 1.10 off the main thread.
        if H5Tis_variable_str(fileType) > 0 {
            let memType = H5Tcopy(fileType)
            guard memType >= 0 else { throw .failed(file: path, object: object, operation: "copying the string type") }
            defer { H5Tclose(memType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { read(memType, $0.baseAddress) }
            guard status >= 0 else { throw .failed(file: path, object: object, operation: "reading strings") }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes { reclaim(memType, $0.baseAddress) }
            return strings
        }
        let size = H5Tget_size(fileType)
        guard size > 0, size <= (1 << 30) / max(count, 1) else { throw .failed(file: path, object: object, operation: "sizing strings") }
        let memType = H5Tcopy(fileType)
        guard memType >= 0 else { throw .failed(file: path, object: object, operation: "copying the string type") }
        defer { H5Tclose(memType) }
        var buffer = [UInt8](repeating: 0, count: count * size)
        let status = buffer.withUnsafeMutableBytes { read(memType, $0.baseAddress) }
        guard status >= 0 else { throw .failed(file: path, object: object, operation: "reading strings") }
        return (0..<count).map { i in
            let bytes = buffer[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func variableStringType() -> hid_t {
        libraryReady()
        let type = H5Tcopy(H5T_C_S1_g)
        H5Tset_size(type, Int(bitPattern: UInt.max) /* H5T_VARIABLE, (size_t)-1 */)
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafeRawPointer) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return copies.withUnsafeBytes { body($0.baseAddress!) }
    }

    private static func className(_ c: H5T_class_t) -> String {
        switch c {
        case H5T_INTEGER: "integers"
        case H5T_FLOAT: "floats"
        case H5T_STRING: "strings"
        case H5T_COMPOUND: "a compound type"
        default: "type class \(c.rawValue)"
        }
    }
}
