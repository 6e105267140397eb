"""System checks for what the platform cannot run without."""
