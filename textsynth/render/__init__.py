"""Scene -> pixels + annotations: text layout, glyph rasters, colour, composition (pure functions of the Scene)."""
