"""Request and response schemas, one module per resource (Create/Update/Public families)."""
