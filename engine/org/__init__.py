"""Pure rules of the organisation: unit codes, the shape of a unit, its place in the tree."""
