"""Residents' search: nearby places, walking routes, isochrones and community cards."""
