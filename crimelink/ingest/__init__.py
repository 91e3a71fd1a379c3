"""Partner data import: mappings, file readers, row processing and the field normalisers."""
