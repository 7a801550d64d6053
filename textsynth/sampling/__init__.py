"""Template + Generator -> Scene: every random choice of a sample is made here, none while rendering."""
