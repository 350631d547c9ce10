"""socialanalyse: analytical workbooks for Denmark's specialised social area."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("socialanalyse")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
