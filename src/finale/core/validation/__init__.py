"""Admission validation: Tekton's webhook rules, one module per object, every problem at once."""
