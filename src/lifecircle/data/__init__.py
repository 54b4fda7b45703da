"""Package data: category taxonomies (``taxonomy/*.csv``)."""
