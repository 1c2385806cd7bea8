/// The one error type MedPipe throws: it always names the file (or other subject) and what is wrong.
public struct MedPipeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, broadly; the CLI maps kinds to messages and exit codes.
    public enum Kind: String, Sendable {
        /// The input could not be opened or read.
        case io
        /// The input is not what its format requires (truncated, corrupt, inconsistent).
        case malformed
        /// The input is valid but uses something MedPipe does not read.
        case unsupported
        /// A command-line argument, option or recipe value is wrong.
        case invalidArgument
    }

    public var kind: Kind
    /// The file, directory or other subject of the error.
    public var subject: String
    /// What is wrong, in one sentence, with the element or byte offset where known.
    public var message: String

    public init(_ kind: Kind, _ subject: String, _ message: String) {
        self.kind = kind
        self.subject = subject
        self.message = message
    }

    public var description: String { "\(subject): \(message)" }

    /// The input is truncated, corrupt or inconsistent.
    public static func malformed(_ subject: String, _ message: String) -> MedPipeError { .init(.malformed, subject, message) }
    /// The input could not be opened or read.
    public static func io(_ subject: String, _ message: String) -> MedPipeError { .init(.io, subject, message) }
    /// The input uses a feature MedPipe does not read.
    public static func unsupported(_ subject: String, _ message: String) -> MedPipeError { .init(.unsupported, subject, message) }
    /// An argument or option is wrong.
    public static func invalidArgument(_ subject: String, _ message: String) -> MedPipeError { .init(.invalidArgument, subject, message) }
}
