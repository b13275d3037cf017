/// The resource budgets of NumPy reading, in one place. A file that exceeds one
/// fails with an error naming the limit; nothing read from a file is trusted to size
/// an allocation before it is checked against these.
public enum NumPyLimits {
    /// Largest array (its data, header excluded) a `.npy` file or `.npz` member may
    /// hold: 2 GiB, sixteen times 100,000 beats of the reference model's input.
    public static let maximumArrayBytes = 1 << 31
    /// Most bytes all members of one `.npz` may inflate to together: 4 GiB.
    public static let maximumArchiveBytes = 1 << 32
    /// Longest `.npy` header (the dictionary after the magic): 1 MiB. NumPy writes
    /// headers of 64 to a few hundred bytes.
    public static let maximumHeaderBytes = 1 << 20
}
