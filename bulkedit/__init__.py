"""bulkedit: safe, fast, offline bulk edits of Auth0 users through export -> edit -> import."""

from __future__ import annotations

__version__ = "0.1.0"
