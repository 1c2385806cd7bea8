"""The package's errors: each names the file or directory and the problem, as `medpipe: error: WHERE: problem` does."""


class CacheError(Exception):
    """A cache (or checkpoint) that cannot be read as asked."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem
