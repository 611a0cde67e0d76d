"""pytest configuration for every test; the shared helpers live in the _support package."""
