"""Implementations of the workflow's Store interface: SQL and in memory."""
