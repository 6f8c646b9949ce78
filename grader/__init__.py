"""An autograder for "the mathematics of AI": hidden graders in a trusted process,
student code in a separate worker that returns data only."""

__version__ = "0.1.0"  # the one source of the version: pyproject.toml reads it ([tool.setuptools.dynamic])
