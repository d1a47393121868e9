"""Reading and writing every shape of Auth0 user file."""
