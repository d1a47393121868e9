"""Packages of the distribution; everything else is in pyproject.toml.

The schemas live in the top-level `schemas/` folder (the one copy, which editors and
other tools read too) and ship as the package `bulkedit.schemas`. pyproject.toml's
`packages.find` cannot add a package whose folder sits outside `bulkedit/`, so the
list is made here: every `bulkedit*` package found, plus that mapping.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bulkedit", "bulkedit.*"]), "bulkedit.schemas"],
    package_dir={"bulkedit.schemas": "schemas"},
)
