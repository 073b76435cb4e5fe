import pytest
from django.core.files.storage import default_storage


@pytest.fixture
def stored_files():
    """Every file name under the default storage (works for the local disk and for S3 alike)."""

    def walk(path=""):
        directories, files = default_storage.listdir(path)
        names = [f"{path}{name}" for name in files]
        for directory in directories:
            names += walk(f"{path}{directory}/")
        return names

    def listing():
        try:
            return sorted(walk())
        except FileNotFoundError:
            return []

    return listing
