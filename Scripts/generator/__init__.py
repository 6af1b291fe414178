"""Generates ClerkBackend's models, endpoint table and resource methods from Clerk's Backend API spec (see Scripts/generate-models.py)."""

