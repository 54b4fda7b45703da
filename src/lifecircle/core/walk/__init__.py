"""The walking engine: network, snapping, bounded searches, access and reach."""
