"""Reports and exports: the SOC local profile, the strategic group pack, and files other tools read."""
