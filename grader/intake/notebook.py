"""A notebook's code cells as one module source."""

from __future__ import annotations

import nbformat

MAGIC_PREFIXES = ("%", "!")


def notebook_source(raw: str) -> str:
    """Join the code cells of a notebook (JSON text); IPython magics and shell lines
    become comments, and so does a whole cell under a cell magic (``%%bash`` ...). Raises ValueError with a readable reason for a malformed notebook."""
    try:
        nb = nbformat.reads(raw, as_version=4)
    except Exception as exc:  # nbformat raises several types for bad JSON/schema
        raise ValueError(f"the notebook could not be read ({type(exc).__name__}: {str(exc)[:300]})") from None
    chunks = []
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        if not isinstance(src, str):
            raise ValueError(f"cell {i} has a malformed source")
        if src.lstrip().startswith("%%"):
            lines = ["# " + ln for ln in src.splitlines()]
        else:
            lines = ["# " + ln if ln.lstrip().startswith(MAGIC_PREFIXES) else ln for ln in src.splitlines()]
        chunks.append(f"# --- cell {i} ---\n" + "\n".join(lines))
    return "\n\n".join(chunks) + "\n"
