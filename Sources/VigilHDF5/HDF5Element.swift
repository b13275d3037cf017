@preconcurrency import CHDF5

/// A numeric element type with a native HDF5 type. The importer can add more
/// (e.g. Float16 through a custom type) by conforming here.
public protocol HDF5Element: Sendable {
    /// The native in-memory HDF5 type (library-owned; never closed).
    static var nativeType: hid_t { get }
    static var typeName: String { get }
    init()
}

/// The library must be initialized before its predefined type globals are valid
/// (the C macros `H5T_NATIVE_*` call `H5open()` first; Swift cannot import those macros).
@inline(__always)
func libraryReady() { _ = H5open() }

extension Float: HDF5Element {
    public static var nativeType: hid_t { libraryReady(); return H5T_NATIVE_FLOAT_g }
    public static var typeName: String { "float32" }
}
extension Double: HDF5Element {
    public static var nativeType: hid_t { libraryReady(); return H5T_NATIVE_DOUBLE_g }
    public static var typeName: String { "float64" }
}
extension Int32: HDF5Element {
    public static var nativeType: hid_t { libraryReady(); return H5T_NATIVE_INT32_g }
    public static var typeName: String { "int32" }
}
extension Int64: HDF5Element {
    public static var nativeType: hid_t { libraryReady(); return H5T_NATIVE_INT64_g }
    public static var typeName: String { "int64" }
}
extension Int8: HDF5Element {
    public static var nativeType: hid_t { libraryReady(); return H5T_NATIVE_INT8_g }
    public static var typeName: String { "int8" }
}
extension UInt8: HDF5Element {
    public static var nativeType: hid_t { libraryReady(); return H5T_NATIVE_UINT8_g }
    public static var typeName: String { "uint8" }
}
