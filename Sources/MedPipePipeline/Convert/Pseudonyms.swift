/// Turns identifying strings (patient IDs, record names, source paths) into keyed pseudonyms.
///
/// The converter never stores what it is given, only what this returns. `fingerprint` identifies
/// the key (not the key itself) so that a new key invalidates every cached unit.
public struct Pseudonyms: Sendable {
    public var fingerprint: String
    public var make: @Sendable (String) -> String

    public init(fingerprint: String, make: @escaping @Sendable (String) -> String) {
        self.fingerprint = fingerprint
        self.make = make
    }
}
