"""Where `make install` put libcsro: LIBDIR is written into the installed
copy of this file at install time (python/setup.py, CSRO_INSTALL_LIBDIR);
None in the source tree and in packages installed without it."""
LIBDIR = None
