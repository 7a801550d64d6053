"""Where the material for a scene comes from: real photographs (and, later, other outside sources)."""
