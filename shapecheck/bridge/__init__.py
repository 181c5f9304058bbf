"""The bridge to PyTorch: ``shapecheck.to_torch`` and ``shapecheck.from_torch``.

Importing this package does not import torch; ``to_torch`` and ``from_torch`` (in the modules of the
same names) do, when called. ``_modules`` holds the torch modules that stand for shapecheck's
combinators and tensor ops; it imports torch and is only imported by them.
"""

import warnings

# torch built without numpy warns on import that it cannot initialise it; shapecheck never needs numpy
warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
