"""`emit`: convert users to Auth0's import schema and pack them into import-ready chunks."""
