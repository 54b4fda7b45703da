"""Request and response models (pydantic v2) of the routers."""
