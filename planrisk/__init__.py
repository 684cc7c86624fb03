"""planrisk: decide whether an infrastructure plan may be applied.

Pipeline: ingest → graph → score → gate → report. This package's public API is what
`__all__` lists; submodules are internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
