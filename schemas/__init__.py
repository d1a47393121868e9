"""The JSON schemas bulkedit validates against, installed as the package `bulkedit.schemas`.

A regular package (not a namespace) so that `importlib.resources` finds the files in a
wheel install and in an editable one alike; read them through `bulkedit.resources`.
"""
