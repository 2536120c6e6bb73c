"""Unit tests of our packages; a package so that test modules are named tests.<package>.<module>."""
