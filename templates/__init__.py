"""Templates for emails and issued documents, installed as package data."""
