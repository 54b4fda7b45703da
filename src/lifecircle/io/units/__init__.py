"""Units and people: community boundaries, assessment units, population."""
