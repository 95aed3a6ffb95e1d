"""Build hook of the csro package (metadata: pyproject.toml).

When CSRO_INSTALL_LIBDIR is set (as `make install` does), the built copy of
csro/_install.py records it, so the installed package loads the library of
that prefix before looking at pkg-config or the system path. The source
file itself is never changed."""
import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self):
        super().run()
        libdir = os.environ.get("CSRO_INSTALL_LIBDIR") or None
        # always rewritten, so that a reused build/ never keeps an old prefix
        target = os.path.join(self.build_lib, "csro", "_install.py")
        with open(target, "w") as f:
            f.write('"""Written by python/setup.py at install time."""\nLIBDIR = %r\n' % libdir)


setup(cmdclass={"build_py": BuildPy})
