"""An autograder for "the mathematics of AI": hidden graders in a trusted process,
student code in a separate worker that returns data only."""
__version__ = "0.1.0"
