"""Environments, connections and safe execution against target databases."""
