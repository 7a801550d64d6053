"""The pieces a scene is made of, each sampled into plain params and applied from them: backgrounds, decorations, geometry, effects."""
