"""``shapecheck lsp``: a language server (over stdio, on pygls) that runs the forward interpreter on
every edit: diagnostics, hovers with shapes, inlay hints after assignments, and quick fixes.

Only :mod:`shapecheck.lsp.server` imports pygls; it is loaded by the ``lsp`` command alone.
"""
