"""The assessment cores: categories, coverage, circle types, equity, targets."""
