"""`emit`: pack users, converted by `importfile.convert`, into import-ready chunks with a manifest and rollback files."""
