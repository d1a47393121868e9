"""Auth0's import file: the shape of an importable user and the manifest of a folder of chunks.

A floor below lint, emit, diff, joberrors and push, which all read or make such files:
`convert` turns an exported user into an importable one, `manifest` reads an emit folder's
manifest.json and checks its chunks.
"""
