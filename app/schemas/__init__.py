"""API models, one family per audience: agency views have no field for resident data."""
