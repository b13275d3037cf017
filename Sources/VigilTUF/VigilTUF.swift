/// The Update Framework (TUF) for Vigil's update pipeline (DESIGN §7): the metadata of
/// the four top-level roles and delegated targets roles, their signatures over the
/// canonical JSON of `signed` (ECDSA P-256, Ed25519 and RSA-PSS through OpenSSL's
/// libcrypto), the repository tooling behind `vigil repo`, and the client workflow the
/// gateway runs (`vigil-tuf-client`). Host-only: the implant never parses JSON; it checks
/// the package signature layer of its own (a later issue), as Uptane keeps the two apart.
public enum VigilTUF {}
