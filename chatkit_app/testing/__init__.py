"""Real peers for the tests: server processes, and what stands between them and their services."""
