"""Settings and the legal reference data that Permis runs on."""
