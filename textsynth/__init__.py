"""textsynth: synthetic Chinese-text images with captions, as WebDataset shards."""

from textsynth.errors import TextsynthError
from textsynth.scene import Decoration, Fill, Layer, Scene, TextItem, TextStyle

__version__ = "0.1.0"

__all__ = ["Decoration", "Fill", "Layer", "Scene", "TextItem", "TextStyle", "TextsynthError", "__version__"]
