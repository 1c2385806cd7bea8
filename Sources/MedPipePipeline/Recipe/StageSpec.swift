/// One entry of a recipe's `stages`: a stage name with its parameters, as written.
///
/// The pipeline turns it into a concrete stage; an unknown name or parameter is an error naming the line.
public struct StageSpec: Sendable, Equatable {
    public var name: String
    /// The parameters map (empty when the stage takes none).
    public var parameters: RecipeNode
    public var line: Int
}
