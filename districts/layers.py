"""Map layers of the city's geography, registered with the maps registry."""
