"""Marshmallow schemas of every API request and response, one module per area."""
