"""The pieces a scene is made of, each sampled into plain params and applied from them: backgrounds, decorations, geometry, effects."""

# the built-in objects that carry text register themselves as decorations (objects.py imports
# decorations.py, never the other way), so any import of a component sees them
from textsynth.components import objects as _objects  # noqa: F401

# the placement geometry step registers itself the same way (after the built-in steps are sealed, so it
# draws numbers only in templates that turn it on)
from textsynth.components import placement as _placement  # noqa: F401
