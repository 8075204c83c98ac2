"""`finale instrument` planning: which reporters to add to a Pipeline (the text edit is in adapters/yaml)."""
